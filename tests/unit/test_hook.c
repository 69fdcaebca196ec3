/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The hook layer (hooks/hook.c), hosted.  The arch and port are fakes:
 * "text" is a buffer holding three static hooks' sites (h_a at two
 * sites, h_b, h_c) and room for probes; port_sync_others() is where the
 * test plays the other CPUs: it dispatches every site, as a CPU running
 * through them at that moment would, and records which exits ran.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hooks/hook.h"
#include "hooks/hook_arch.h"
#include "hooks/hook_port.h"
#include "hooks/patch.h"
#include "stub/kstub_port.h"

/* --- fake text and sites ------------------------------------------- */

static u8 text[1024];
static const u8 nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
#define SITE(i) ((u64)&text[16 * (i)])
/* where site i's armed jump goes (its out-of-line block) */
#define TARGET(i) ((u64)&text[960 + 8 * (i)])
/* probe-able "instructions": bytes from text[512] on */
#define INSN(i) ((u64)&text[512 + 8 * (i)])

static struct hook_ref refs[5];
static struct hook_site_desc descs[] = {
	{ 0, "h_a", 2, 0, 0, &refs[0] },
	{ 0, "h_b", 1, 0, 0, &refs[1] },
	{ 0, "h_a", 2, 0, 0, &refs[2] },	/* h_a's second site */
	{ 0, "h_c", 4, 0, 0, &refs[3] },
	{ 0, "h_d", 0, 0, 0, &refs[4] },
};
#define NDESC (sizeof(descs) / sizeof(descs[0]))

const struct hook_site_desc *arch_hook_sites(size_t *n)
{
	*n = NDESC;
	return descs;
}

static void jmp_insn(u64 site, u64 target, u8 *out)
{
	s32 rel = (s32)(target - (site + 5));
	out[0] = 0xe9;
	memcpy(out + 1, &rel, 4);
}

size_t arch_hook_site_insn(u64 site, u64 target, bool armed, u8 *out)
{
	if (armed)
		jmp_insn(site, target, out);
	else
		memcpy(out, nop5, 5);
	return 5;
}

size_t arch_hook_read(u64 addr, u8 *buf, size_t n)
{
	if (addr < (u64)text || addr + n > (u64)text + sizeof(text))
		return n;
	memcpy(buf, (void *)addr, n);
	return 0;
}

size_t arch_text_write(u64 addr, const u8 *bytes, size_t n)
{
	if (addr < (u64)text || addr + n > (u64)text + sizeof(text))
		return n;
	memcpy((void *)addr, bytes, n);
	return 0;
}

static unsigned released;
static unsigned cooling;	/* jump detours released, not yet synced */

int arch_probe_prepare(u64 addr, struct arch_probe *p, const char **why)
{
	if (addr < INSN(0) || addr >= (u64)&text[900]) {
		*why = "not an instruction boundary";
		return -1;
	}
	if (*(u8 *)addr == 0xcf) {
		*why = "iret";
		return -1;
	}
	p->addr = addr;
	p->len = 1;
	p->orig[0] = *(u8 *)addr;
	return 0;
}

void arch_probe_release(struct arch_probe *p)
{
	if (p->kind == PROBE_JUMP)
		cooling++;
	released++;
}

static u64 resumed_at;

void arch_probe_resume(const struct arch_probe *p, struct arch_regs *r)
{
	(void)r;
	resumed_at = p->addr;
}

/* Jump probes: only at INSN(30) (5 covered bytes); the "detour" is the
 * fake target text[896]. */
#define JUMP_AT INSN(30)
#define DETOUR ((u64)&text[896])
int arch_probe_prepare_jump(u64 addr, struct arch_probe *p, const char **why)
{
	memset(p, 0, sizeof(*p));
	if (addr != JUMP_AT) {
		*why = "fake: a jump targets the displaced bytes";
		return -1;
	}
	p->addr = addr;
	p->len = 2;
	p->kind = PROBE_JUMP;
	p->jump_len = 5;
	p->slot = DETOUR;
	memcpy(p->orig, (void *)addr, 5);
	return 0;
}

size_t arch_probe_jump_insn(const struct arch_probe *p, bool jmp, u8 *out)
{
	if (jmp) {
		jmp_insn(p->addr, p->slot, out);
	} else {
		memcpy(out, p->orig, 5);
		out[0] = 0xcc;
	}
	return 5;
}

size_t arch_probe_insn(const struct arch_probe *p, bool armed, u8 *out)
{
	if (p->kind == PROBE_JUMP && p->jumped) {
		if (armed)
			jmp_insn(p->addr, p->slot, out);
		else
			memcpy(out, p->orig, 5);
		return 5;
	}
	out[0] = armed ? 0xcc : p->orig[0];
	return 1;
}

void arch_probe_synced(void)
{
	if (cooling)
		cooling--;
}

bool arch_probe_cooling(void)
{
	return cooling != 0;
}

/* --- fake port ------------------------------------------------------ */

static bool parked;
static unsigned syncs;
static void (*on_sync)(void);

bool port_hooks_parked(void) { return parked; }
u64 port_sym_start(u64 addr, const char **name) { (void)name; return addr; }
u64 port_sym_end(u64 addr) { return addr + 16; }
static bool text_busy;		/* a CPU inside a jump probe's bytes */
static unsigned busy_checks;
bool port_text_busy(u64 start, u64 end)
{
	(void)start;
	(void)end;
	busy_checks++;
	return text_busy;
}
const char *port_is_noprobe(u64 addr) { return addr >= (u64)&text[900] && addr < (u64)&text[950] ? "inside the debugger or patch engine" : 0; }
bool port_is_text(u64 addr, size_t len) { return addr >= (u64)text && addr + len <= (u64)text + 960; }
void port_log(const char *s) { (void)s; }

unsigned port_sync_others(void)
{
	syncs++;
	if (on_sync)
		on_sync();
	return 3;
}

/* --- exits ---------------------------------------------------------- */

static char trail[256];
static size_t ntrail;
static struct hook_args last;

static void ex(const struct hook_args *a, void *data)
{
	if (ntrail < sizeof(trail) - 1)
		trail[ntrail++] = (char)(uintptr_t)data;
	trail[ntrail] = 0;
	last = *a;
}

static void clear(void)
{
	ntrail = 0;
	trail[0] = 0;
	memset(&last, 0, sizeof(last));
}

/* Run through every site as a CPU would: the out-of-line block runs
 * only where the text holds the jump to it, with the site's arguments
 * (0 for those it does not have, as HOOK() passes them). */
static void run_all_sites(void)
{
	for (size_t i = 0; i < NDESC; i++) {
		u8 c[5];
		u64 a[4] = { 10 + i, 20, 30, 40 };
		for (u32 k = descs[i].nargs; k < 4; k++)
			a[k] = 0;
		jmp_insn(descs[i].addr, descs[i].target, c);
		if (!memcmp((void *)descs[i].addr, c, 5))
			hook_fire(descs[i].ref, a[0], a[1], a[2], a[3]);
	}
}

static int group_setup(void **state)
{
	(void)state;
	memset(text, 0x90, sizeof(text));
	for (size_t i = 0; i < NDESC; i++) {
		descs[i].addr = SITE(i);
		descs[i].target = TARGET(i);
		memcpy(&text[16 * i], nop5, 5);
	}
	hook_init();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	clear();
	parked = false;
	on_sync = 0;
	return 0;
}

/* --- tests ---------------------------------------------------------- */

struct listing {
	char names[16][32];
	size_t nsites[16];
	bool armed[16];
	size_t nexits[16];
	size_t n;
};

static void collect(const struct hook_info *h, void *data)
{
	struct listing *l = data;
	if (l->n < 16) {
		snprintf(l->names[l->n], 32, "%s", h->name);
		l->nsites[l->n] = h->nsites;
		l->armed[l->n] = h->armed;
		l->nexits[l->n] = h->nexits;
		l->n++;
	}
}

static void test_init_and_listing(void **state)
{
	(void)state;
	struct listing l = { 0 };
	hook_for_each(collect, &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.names[0], "h_a");
	assert_int_equal(l.nsites[0], 2);
	assert_string_equal(l.names[1], "h_b");
	assert_string_equal(l.names[3], "h_d");
	assert_false(l.armed[0]);
}

static void test_priorities(void **state)
{
	(void)state;
	assert_int_equal(hook_exit_register("h_b", 5, ex, (void *)'2', "two"), 0);
	assert_int_equal(hook_exit_register("h_b", -3, ex, (void *)'1', "one"), 0);
	assert_int_equal(hook_exit_register("h_b", 5, ex, (void *)'3', "three"), 0); /* equal prio: after */
	assert_int_equal(hook_exit_register("h_b", 100, ex, (void *)'4', "four"), 0);
	assert_int_equal(hook_exit_register("h_b", 0, ex, (void *)'4', "dup"), HOOK_EEXIST);
	assert_int_equal(hook_exit_register("nope", 0, ex, 0, "x"), HOOK_ENOENT);
	assert_int_equal(hook_exit_register(NULL, 0, ex, 0, "x"), HOOK_EINVAL);
	assert_int_equal(hook_arm("h_b"), 0);
	run_all_sites();
	assert_string_equal(trail, "1234");
	assert_int_equal(last.a[0], 11);	/* nargs = 1: a1.. zeroed */
	assert_int_equal(last.a[1], 0);
	assert_int_equal(last.addr, SITE(1));
	assert_null(last.regs);

	/* Unregister the middle one while armed. */
	unsigned s0 = syncs;
	assert_int_equal(hook_exit_unregister("h_b", ex, (void *)'2'), 0);
	assert_true(syncs > s0);	/* freed only after a sync */
	assert_int_equal(hook_exit_unregister("h_b", ex, (void *)'2'), HOOK_ENOENT);
	clear();
	run_all_sites();
	assert_string_equal(trail, "134");

	/* Fill to 8 exits; the 9th has no room. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(hook_exit_register("h_b", 50, ex, (void *)(uintptr_t)('a' + i), "f"), 0);
	assert_int_equal(hook_exit_register("h_b", 50, ex, (void *)'z', "f"), HOOK_ENOSPC);
	clear();
	run_all_sites();
	assert_string_equal(trail, "13abcde4");
	for (int i = 0; i < 5; i++)
		assert_int_equal(hook_exit_unregister("h_b", ex, (void *)(uintptr_t)('a' + i)), 0);
	assert_int_equal(hook_disarm("h_b"), 0);
	assert_memory_equal((void *)SITE(1), nop5, 5);
	for (const char *t = "134"; *t; t++)
		assert_int_equal(hook_exit_unregister("h_b", ex, (void *)(uintptr_t)*t), 0);
}

/* Every site of a hook, three rounds, and what CPUs see in between. */
static unsigned rounds_seen;
static char during[8][256];

static void snapshot(void)
{
	clear();
	run_all_sites();
	if (rounds_seen < 8)
		snprintf(during[rounds_seen], sizeof(during[0]), "%s", trail);
	rounds_seen++;
}

static void test_arm_static(void **state)
{
	(void)state;
	struct patch_stats p0, p1;
	assert_int_equal(hook_exit_register("h_a", 0, ex, (void *)'A', "a"), 0);
	clear();
	run_all_sites();
	assert_string_equal(trail, "");
	patch_get_stats(&p0);
	rounds_seen = 0;
	on_sync = snapshot;
	assert_int_equal(hook_arm("h_a"), 0);
	on_sync = 0;
	patch_get_stats(&p1);
	assert_int_equal(p1.sync_rounds - p0.sync_rounds, 3);
	assert_int_equal(p1.batches - p0.batches, 1);
	/* While patching, the gate was closed: no exit ran. */
	for (unsigned i = 0; i < rounds_seen; i++)
		assert_string_equal(during[i], "");
	u8 c[5];
	jmp_insn(SITE(0), TARGET(0), c);
	assert_memory_equal((void *)SITE(0), c, 5);
	jmp_insn(SITE(2), TARGET(2), c);
	assert_memory_equal((void *)SITE(2), c, 5);
	assert_true(hook_is_armed("h_a"));
	clear();
	run_all_sites();
	assert_string_equal(trail, "AA");	/* both sites */
	assert_int_equal(last.a[0], 12);
	assert_int_equal(last.a[1], 20);
	assert_int_equal(last.a[2], 0);
	assert_int_equal(hook_arm("h_a"), 0);	/* idempotent */

	rounds_seen = 0;
	on_sync = snapshot;
	assert_int_equal(hook_disarm("h_a"), 0);
	on_sync = 0;
	for (unsigned i = 0; i < rounds_seen; i++)
		assert_string_equal(during[i], "");	/* gate closed first */
	assert_memory_equal((void *)SITE(0), nop5, 5);
	assert_memory_equal((void *)SITE(2), nop5, 5);
	assert_false(hook_is_armed("h_a"));
	assert_int_equal(hook_disarm("h_a"), 0);
	assert_int_equal(hook_exit_unregister("h_a", ex, (void *)'A'), 0);
	assert_int_equal(hook_arm("nope"), HOOK_ENOENT);
}

/* patch_int3 during a hook batch: arming, the CPU takes the jump (and
 * finds the gate closed); disarming, it skips the NOP. */
static bool trapped;
static u64 trapped_pc;

static void trap_at_site0(void)
{
	if (!trapped) {
		trapped = patch_int3(SITE(0), &trapped_pc);
	}
}

static void test_inflight_site_emulated(void **state)
{
	(void)state;
	trapped = false;
	on_sync = trap_at_site0;
	assert_int_equal(hook_arm("h_a"), 0);
	on_sync = 0;
	assert_true(trapped);
	assert_int_equal(trapped_pc, TARGET(0));
	trapped = false;
	on_sync = trap_at_site0;
	assert_int_equal(hook_disarm("h_a"), 0);
	on_sync = 0;
	assert_true(trapped);
	assert_int_equal(trapped_pc, SITE(0) + 5);
}

/* A site that holds something else (a debugger's breakpoint) is not
 * touched, and neither is any other site of the batch. */
static void test_site_changed(void **state)
{
	(void)state;
	text[16 * 2] = 0xcc;
	assert_int_equal(hook_arm("h_a"), HOOK_EBUSY);
	assert_memory_equal((void *)SITE(0), nop5, 5);
	assert_false(hook_is_armed("h_a"));
	text[16 * 2] = nop5[0];
}

/* Sets: all or none, at every moment another CPU could look. */
static bool mixed;

static void check_all_or_none(void)
{
	clear();
	run_all_sites();
	bool b = strchr(trail, 'B') != NULL, c = strchr(trail, 'C') != NULL;
	if (b != c)
		mixed = true;
}

static void test_sets(void **state)
{
	(void)state;
	static const char *const bc[] = { "h_b", "h_c" };
	static const char *const bad[] = { "h_b", "nope" };
	static const char *const twice[] = { "h_b", "h_b" };
	assert_int_equal(hook_exit_register("h_b", 0, ex, (void *)'B', "b"), 0);
	assert_int_equal(hook_exit_register("h_c", 0, ex, (void *)'C', "c"), 0);
	assert_int_equal(hook_set_define("s", bad, 2), HOOK_ENOENT);
	assert_int_equal(hook_set_define("s", twice, 2), HOOK_EINVAL);
	assert_int_equal(hook_set_define("s", bc, 2), 0);
	assert_int_equal(hook_set_define("t", bc, 1), HOOK_EBUSY);	/* h_b is in s */

	struct patch_stats p0, p1;
	patch_get_stats(&p0);
	mixed = false;
	on_sync = check_all_or_none;
	assert_int_equal(hook_set_arm("s"), 0);
	check_all_or_none();
	on_sync = 0;
	patch_get_stats(&p1);
	assert_false(mixed);
	assert_int_equal(p1.sync_rounds - p0.sync_rounds, 3);	/* one batch */
	clear();
	run_all_sites();
	assert_string_equal(trail, "BC");
	assert_int_equal(last.a[3], 40);	/* h_c has 4 args */
	assert_true(hook_is_armed("h_b") && hook_is_armed("h_c"));
	assert_int_equal(hook_set_define("s", bc, 1), HOOK_EBUSY);	/* armed */

	on_sync = check_all_or_none;
	assert_int_equal(hook_set_disarm("s"), 0);
	on_sync = 0;
	assert_false(mixed);
	clear();
	run_all_sites();
	assert_string_equal(trail, "");
	assert_memory_equal((void *)SITE(1), nop5, 5);
	assert_memory_equal((void *)SITE(3), nop5, 5);

	/* A member armed by itself outlives the set's disarm, and a set
	 * arm leaves it alone. */
	assert_int_equal(hook_arm("h_c"), 0);
	assert_int_equal(hook_set_arm("s"), 0);
	assert_int_equal(hook_set_disarm("s"), 0);
	clear();
	run_all_sites();
	assert_string_equal(trail, "C");
	assert_int_equal(hook_disarm("h_c"), 0);
	clear();
	run_all_sites();
	assert_string_equal(trail, "");

	/* The listing names the set. */
	assert_int_equal(hook_set_arm("nope"), HOOK_ENOENT);
	assert_int_equal(hook_set_define("s", bc, 0), 0);	/* empty it */
	assert_int_equal(hook_set_define("t", bc, 1), 0);
	assert_int_equal(hook_exit_unregister("h_b", ex, (void *)'B'), 0);
	assert_int_equal(hook_exit_unregister("h_c", ex, (void *)'C'), 0);
}

/* With every other CPU parked: no IPIs, frees deferred. */
static void test_parked(void **state)
{
	(void)state;
	struct patch_stats p0, p1;
	unsigned s0 = syncs;
	parked = true;
	patch_get_stats(&p0);
	assert_int_equal(hook_exit_register("h_d", 0, ex, (void *)'D', "d"), 0);
	assert_int_equal(hook_arm("h_d"), 0);
	assert_int_equal(hook_exit_unregister("h_d", ex, (void *)'D'), 0);
	assert_int_equal(hook_disarm("h_d"), 0);
	patch_get_stats(&p1);
	assert_int_equal(syncs, s0);
	assert_int_equal(p1.fast_batches - p0.fast_batches, 2);
	assert_int_equal(p1.sync_rounds, p0.sync_rounds);
	/* The registry held by a parked CPU: refuse, never spin. */
	parked = false;
	assert_int_equal(hook_exit_register("h_d", 0, ex, (void *)'D', "d"), 0);
	assert_true(syncs > s0);	/* the deferred frees happened */
	assert_int_equal(hook_exit_unregister("h_d", ex, (void *)'D'), 0);
}

/* Probes (declared hooks), with a fake arch. */
static void test_probes(void **state)
{
	(void)state;
	const char *why = 0;
	text[512] = 0x55;	/* push %rbp */
	text[520] = 0xcf;	/* iret */
	assert_int_equal(hook_declare_at("p1", INSN(0), &why), 0);
	assert_null(why);
	assert_int_equal(hook_declare_at("p1", INSN(2), &why), HOOK_EEXIST);
	assert_string_equal(why, "name in use");
	assert_int_equal(hook_declare_at("p2", INSN(0), &why), HOOK_EEXIST);
	assert_string_equal(why, "already probed");
	assert_int_equal(hook_declare_at("p2", INSN(1), &why), HOOK_EREFUSED);
	assert_string_equal(why, "iret");
	assert_int_equal(hook_declare_at("p2", (u64)&text[910], &why), HOOK_EREFUSED);
	assert_string_equal(why, "inside the debugger or patch engine");
	assert_int_equal(hook_declare_at("p2", SITE(1) + 2, &why), HOOK_EREFUSED);
	assert_string_equal(why, "a static hook site");
	assert_int_equal(hook_declare_at("p2", 0, &why), HOOK_EINVAL);
	assert_int_equal(hook_declare_at("p2", (u64)&text[1000], &why), HOOK_EREFUSED);
	assert_string_equal(why, "not in kernel text");

	struct arch_regs *regs = (struct arch_regs *)&text[0]; /* opaque here */
	assert_int_equal(hook_exit_register("p1", 0, ex, (void *)'P', "p"), 0);
	/* Declared, not armed: found (so an int3 in flight is handled)
	 * but no exit runs. */
	clear();
	const struct arch_probe *ap = hook_probe_hit(INSN(0), regs);
	assert_non_null(ap);
	assert_int_equal(ap->orig[0], 0x55);
	assert_string_equal(trail, "");
	assert_null(hook_probe_hit(INSN(3), regs));

	struct patch_stats p0, p1;
	patch_get_stats(&p0);
	assert_int_equal(hook_arm("p1"), 0);
	patch_get_stats(&p1);
	assert_int_equal(p1.sync_rounds - p0.sync_rounds, 2);	/* one byte */
	assert_int_equal(text[512], 0xcc);
	clear();
	assert_non_null(hook_probe_hit(INSN(0), regs));
	assert_string_equal(trail, "P");
	assert_ptr_equal(last.regs, regs);
	assert_int_equal(last.addr, INSN(0));

	/* A probe joins a set with static hooks: one batch for both. */
	static const char *const mix[] = { "p1", "h_d" };
	assert_int_equal(hook_disarm("p1"), 0);
	assert_int_equal(text[512], 0x55);
	assert_int_equal(hook_set_define("mix", mix, 2), 0);
	patch_get_stats(&p0);
	assert_int_equal(hook_set_arm("mix"), 0);
	patch_get_stats(&p1);
	assert_int_equal(p1.batches - p0.batches, 1);
	assert_int_equal(text[512], 0xcc);
	assert_int_equal(text[16 * 4], 0xe9);

	/* Undeclare: int3 gone, the set forgets it, slot released after a
	 * sync. */
	unsigned r0 = released;
	assert_int_equal(hook_undeclare("p1"), 0);
	assert_int_equal(text[512], 0x55);
	assert_int_equal(released, r0 + 1);
	assert_null(hook_probe_hit(INSN(0), regs));
	assert_false(hook_is_armed("p1"));
	assert_true(hook_is_armed("h_d"));
	assert_int_equal(hook_undeclare("p1"), HOOK_ENOENT);
	assert_int_equal(hook_undeclare("h_d"), HOOK_EINVAL);	/* static */
	assert_int_equal(hook_set_disarm("mix"), 0);
	assert_int_equal(text[16 * 4], 0x0f);

	/* The name and the address can be used again. */
	assert_int_equal(hook_declare_at("p1", INSN(0), &why), 0);
	assert_int_equal(hook_undeclare("p1"), 0);
	/* Many declare/undeclare cycles do not leak records. */
	for (int i = 0; i < 500; i++) {
		assert_int_equal(hook_declare_at("loop", INSN(0), &why), 0);
		assert_int_equal(hook_exit_register("loop", 0, ex, 0, "x"), 0);
		assert_int_equal(hook_arm("loop"), 0);
		assert_int_equal(hook_undeclare("loop"), 0);
	}
}

/* Out-of-line copies for conditional breakpoints: proven like a probe,
 * nothing patched, revived within one stop, reclaimed after a sync. */
static void test_ool(void **state)
{
	(void)state;
	const char *why = 0;
	struct arch_regs *regs = (struct arch_regs *)&text[0];
	text[512] = 0x55;
	text[520] = 0xcf;
	assert_int_equal(hook_ool_get(INSN(1), &why), HOOK_EREFUSED);
	assert_string_equal(why, "iret");
	assert_int_equal(hook_ool_get((u64)&text[910], &why), HOOK_EREFUSED);
	assert_string_equal(why, "inside the debugger or patch engine");
	assert_int_equal(hook_ool_get(SITE(1) + 2, &why), HOOK_EREFUSED);
	int h = hook_ool_get(INSN(0), &why);
	assert_true(h >= 0);
	assert_int_equal(text[512], 0x55);	/* no int3 of ours */
	resumed_at = 0;
	assert_false(hook_ool_run(h, INSN(2), regs));	/* not its address */
	assert_true(resumed_at == 0);
	assert_true(hook_ool_run(h, INSN(0), regs));
	assert_true(resumed_at == INSN(0));

	/* gdb's z0 + Z0 in one stop (parked): the same copy comes back. */
	parked = true;
	unsigned r0 = released;
	hook_ool_put(h);
	resumed_at = 0;
	assert_false(hook_ool_run(h, INSN(0), regs));	/* given back */
	assert_true(resumed_at == 0);
	assert_int_equal(hook_ool_get(INSN(0), &why), h);
	assert_int_equal(released, r0);
	hook_ool_put(h);
	parked = false;
	/* Live again: the next allocation reclaims it after a sync. */
	for (int i = 0; i < 40; i++) {
		int k = hook_ool_get(INSN(2 + i), &why);
		assert_true(k >= 0);
		hook_ool_put(k);
	}
	assert_true(released > r0);
}

static void test_hosted_fire(void **state)
{
	(void)state;
	assert_int_equal(hook_exit_register("h_c", 0, ex, (void *)'H', "h"), 0);
	HOOK(h_c, 1, 2);
	assert_string_equal(trail, "");
	assert_int_equal(hook_arm("h_c"), 0);
	HOOK(h_c, 1, 2);
	assert_string_equal(trail, "H");
	assert_int_equal(last.a[0], 1);
	assert_int_equal(last.a[1], 2);
	assert_int_equal(last.a[2], 0);
	HOOK(h_c);
	assert_int_equal(last.a[0], 0);
	HOOK(unknown_hook, 5);	/* no such hook: nothing */
	assert_int_equal(hook_disarm("h_c"), 0);
	assert_int_equal(hook_exit_unregister("h_c", ex, (void *)'H'), 0);
}

static char printed[4096];
static void out(const char *s);

/* A jump probe: int3 first, then the jmp once nobody is inside; busy,
 * it stays an int3 probe with the reason listed; refused where the arch
 * refuses, as an int3 probe with the reason; nothing may go inside its
 * jmp; its detour cools one more sync round after it goes. */
static void test_jump_probe(void **state)
{
	(void)state;
	u8 orig[5], j[5];
	const char *why = "x";
	memcpy((void *)JUMP_AT, "\x55\x48\x89\xe5\x90", 5);
	memcpy(orig, (void *)JUMP_AT, 5);
	assert_int_equal(hook_declare_jump("jp", JUMP_AT, &why), 0);
	assert_null(why);
	assert_true(hook_in_jump(JUMP_AT + 4));
	assert_false(hook_in_jump(JUMP_AT + 5));
	assert_int_equal(hook_declare_at("in", JUMP_AT + 2, &why), HOOK_EREFUSED);
	assert_string_equal(why, "inside the jmp of a jump-optimized probe");
	assert_int_equal(hook_exit_register("jp", 0, ex, (void *)'J', "j"), 0);
	text_busy = true;
	busy_checks = 0;
	assert_int_equal(hook_arm("jp"), 0);
	assert_int_equal(*(u8 *)JUMP_AT, 0xcc);	/* int3 only */
	assert_true(busy_checks >= 1);
	printed[0] = 0;
	hook_print(out, "jp");
	assert_non_null(strstr(printed, "jump"));
	assert_non_null(strstr(printed, "a CPU was inside the covered bytes"));
	assert_int_equal(hook_disarm("jp"), 0);
	assert_memory_equal((void *)JUMP_AT, orig, 5);
	text_busy = false;
	assert_int_equal(hook_arm("jp"), 0);
	jmp_insn(JUMP_AT, DETOUR, j);
	assert_memory_equal((void *)JUMP_AT, j, 5);
	printed[0] = 0;
	hook_print(out, "jp");
	assert_null(strstr(printed, "not jump-optimized"));
	assert_int_equal(hook_disarm("jp"), 0);
	assert_memory_equal((void *)JUMP_AT, orig, 5);
	assert_int_equal(hook_undeclare("jp"), 0);	/* released after a sync */
	assert_true(arch_probe_cooling());
	hook_reclaim();			/* and free after one more */
	assert_false(arch_probe_cooling());

	/* Refused by the arch: an int3 probe, the reason kept. */
	assert_int_equal(hook_declare_jump("jq", INSN(3), &why), 0);
	assert_string_equal(why, "fake: a jump targets the displaced bytes");
	printed[0] = 0;
	hook_print(out, "jq");
	assert_non_null(strstr(printed, "int3"));
	assert_non_null(strstr(printed, "not jump-optimized: fake: a jump targets"));
	assert_int_equal(hook_undeclare("jq"), 0);
	assert_int_equal(hook_exit_unregister("jp", ex, (void *)'J'), HOOK_ENOENT);
}

static void out(const char *s)
{
	strncat(printed, s, sizeof(printed) - strlen(printed) - 1);
}

static void test_print(void **state)
{
	(void)state;
	assert_int_equal(hook_exit_register("h_a", 7, ex, (void *)'x', "my_exit"), 0);
	assert_int_equal(hook_arm("h_a"), 0);
	clear();
	run_all_sites();
	printed[0] = 0;
	hook_print(out, NULL);
	assert_non_null(strstr(printed, "h_a "));
	assert_non_null(strstr(printed, "ARMED"));
	assert_non_null(strstr(printed, "sites=2"));
	assert_non_null(strstr(printed, "prio=7"));
	assert_non_null(strstr(printed, "my_exit"));
	assert_non_null(strstr(printed, "calls=2"));
	assert_non_null(strstr(printed, "set=t"));	/* h_b */
	printed[0] = 0;
	hook_print(out, "h_b");
	assert_null(strstr(printed, "h_a "));
	assert_non_null(strstr(printed, "1 hooks, 0 armed"));
	assert_int_equal(hook_disarm("h_a"), 0);
	assert_int_equal(hook_exit_unregister("h_a", ex, (void *)'x'), 0);
	assert_string_equal(hook_strerror(HOOK_ENOENT), "no such hook, exit or set");
	assert_string_equal(hook_strerror(0), "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_and_listing, setup),
		cmocka_unit_test_setup(test_priorities, setup),
		cmocka_unit_test_setup(test_arm_static, setup),
		cmocka_unit_test_setup(test_inflight_site_emulated, setup),
		cmocka_unit_test_setup(test_site_changed, setup),
		cmocka_unit_test_setup(test_sets, setup),
		cmocka_unit_test_setup(test_parked, setup),
		cmocka_unit_test_setup(test_probes, setup),
		cmocka_unit_test_setup(test_ool, setup),
		cmocka_unit_test_setup(test_hosted_fire, setup),
		cmocka_unit_test_setup(test_print, setup),
		cmocka_unit_test_setup(test_jump_probe, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, 0);
}
