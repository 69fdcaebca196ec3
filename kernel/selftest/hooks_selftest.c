/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * In-kernel tests of the hook layer, started from the command line:
 *
 *   hooks.selftest    functional checks on one CPU (static hooks, exit
 *                     order, sets, probes), then "hooks: selftest passed"
 *                     or "hooks: selftest FAILED ..." lines.
 *
 * The e2e tests (tests/e2e/test_hooks.py) wait for these lines.
 */
#include "../kernel.h"
#include "../task.h"
#include "../../hooks/hook.h"
#include "../../hooks/patch.h"
#include "../../arch/x86_64/cpu.h"
#include "../../arch/x86_64/decode.h"
#include "../../arch/x86_64/regs.h"
#include "../../arch/x86_64/lapic.h"

static unsigned failures, checks;

#define CHECK(cond)                                                      \
	do {                                                             \
		checks++;                                                \
		if (!(cond)) {                                           \
			failures++;                                      \
			printk("hooks: selftest FAILED at line %d: %s\n", \
			       __LINE__, #cond);                         \
		}                                                        \
	} while (0)

/* --- hooked functions --------------------------------------------- */

__attribute__((noinline)) u64 hooks_st_one(u64 x)
{
	HOOK(hst_one, x, x + 1);
	return x * 3;
}

__attribute__((noinline)) u64 hooks_st_pair(u64 x)
{
	HOOK(hst_b, x);
	x += 1;
	HOOK(hst_c, x, 1, 2, 3);
	return x;
}

__attribute__((noinline)) void hooks_st_none(void)
{
	HOOK(hst_noargs);
}

/* --- exits ---------------------------------------------------------- */

static char order[16];
static size_t norder;
static struct hook_args last;

static void exit_tag(const struct hook_args *a, void *data)
{
	if (norder < sizeof(order) - 1)
		order[norder++] = (char)(u64)data;
	order[norder] = 0;
	last = *a;
}

static void reset(void)
{
	norder = 0;
	order[0] = 0;
	memset(&last, 0, sizeof(last));
}

static void selftest_static(void)
{
	struct patch_stats p0, p1;

	/* Several exits, dispatched by priority, not registration order. */
	CHECK(hook_exit_register("hst_one", 20, exit_tag, (void *)'B', "second") == 0);
	CHECK(hook_exit_register("hst_one", 10, exit_tag, (void *)'A', "first") == 0);
	CHECK(hook_exit_register("hst_one", 30, exit_tag, (void *)'C', "third") == 0);
	CHECK(hook_exit_register("hst_one", 30, exit_tag, (void *)'C', "dup") == HOOK_EEXIST);
	CHECK(hook_exit_register("no_such_hook", 0, exit_tag, 0, "x") == HOOK_ENOENT);

	reset();
	CHECK(hooks_st_one(5) == 15);
	CHECK(norder == 0);		/* disarmed: a NOP */
	CHECK(!hook_is_armed("hst_one"));

	patch_get_stats(&p0);
	CHECK(hook_arm("hst_one") == 0);
	patch_get_stats(&p1);
	CHECK(p1.sync_rounds - p0.sync_rounds == 3);
	CHECK(hook_is_armed("hst_one"));
	reset();
	CHECK(hooks_st_one(5) == 15);
	CHECK(!strcmp(order, "ABC"));
	CHECK(last.a[0] == 5 && last.a[1] == 6 && last.a[2] == 0 && last.a[3] == 0);
	CHECK(last.regs == 0 && last.addr != 0);

	/* Unregister while armed (live). */
	CHECK(hook_exit_unregister("hst_one", exit_tag, (void *)'B') == 0);
	CHECK(hook_exit_unregister("hst_one", exit_tag, (void *)'B') == HOOK_ENOENT);
	reset();
	hooks_st_one(7);
	CHECK(!strcmp(order, "AC"));

	CHECK(hook_disarm("hst_one") == 0);
	CHECK(!hook_is_armed("hst_one"));
	reset();
	hooks_st_one(5);
	CHECK(norder == 0);

	/* No arguments. */
	CHECK(hook_exit_register("hst_noargs", 0, exit_tag, (void *)'N', "n") == 0);
	CHECK(hook_arm("hst_noargs") == 0);
	reset();
	last.a[0] = 99;
	hooks_st_none();
	CHECK(!strcmp(order, "N") && last.a[0] == 0);
	CHECK(hook_disarm("hst_noargs") == 0);
}

static void selftest_sets(void)
{
	static const char *const both[] = { "hst_b", "hst_c" };
	CHECK(hook_exit_register("hst_b", 0, exit_tag, (void *)'b', "b") == 0);
	CHECK(hook_exit_register("hst_c", 0, exit_tag, (void *)'c', "c") == 0);
	CHECK(hook_set_define("hst_set", both, 2) == 0);
	CHECK(hook_set_define("hst_other", both, 1) == HOOK_EBUSY);
	reset();
	hooks_st_pair(1);
	CHECK(norder == 0);
	CHECK(hook_set_arm("hst_set") == 0);
	CHECK(hook_is_armed("hst_b") && hook_is_armed("hst_c"));
	reset();
	CHECK(hooks_st_pair(1) == 2);
	CHECK(!strcmp(order, "bc"));
	CHECK(last.a[0] == 2 && last.a[1] == 1 && last.a[2] == 2 && last.a[3] == 3);
	CHECK(hook_set_define("hst_set", both, 1) == HOOK_EBUSY); /* armed */
	/* A member armed on its own stays armed when the set goes. */
	CHECK(hook_arm("hst_c") == 0);
	CHECK(hook_set_disarm("hst_set") == 0);
	reset();
	hooks_st_pair(1);
	CHECK(!strcmp(order, "c"));
	CHECK(hook_disarm("hst_c") == 0);
	reset();
	hooks_st_pair(1);
	CHECK(norder == 0);
	CHECK(hook_set_arm("no_such_set") == HOOK_ENOENT);
}

/* --- probes --------------------------------------------------------- */

volatile u64 hooks_st_global = 1000;

/* A probe goes on the rip-relative load of hooks_st_global, in the
 * middle of the function. */
__attribute__((noinline)) u64 hooks_st_rip(u64 x)
{
	u64 a = x * 7;
	__asm__ volatile("" : "+r"(a));	/* the load stays after this */
	a += hooks_st_global;
	return a ^ 0x55;
}

/*
 * One instruction of each kind a probe treats specially, each at a
 * global label the test probes: a call, a rip-relative lea, an indirect
 * call, pushf/cli/sti/popf, loop, jcc, jmp and ret.
 *   x < 987:  x + 13;  otherwise x + 113.
 */
__asm__(
	"	.text\n"
	"	.global hooks_st_kinds, hst_k_call, hst_k_lea, hst_k_icall\n"
	"	.global hst_k_pushf, hst_k_cli, hst_k_sti, hst_k_popf\n"
	"	.global hst_k_loop, hst_k_jcc, hst_k_jmp, hst_k_ret\n"
	"hooks_st_kinds:\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	mov %rdi, %rax\n"
	"hst_k_call:  call hooks_st_add3\n"		/* x + 3 */
	"hst_k_lea:   lea hooks_st_add3(%rip), %rcx\n"
	"hst_k_icall: call *%rcx\n"			/* x + 6 */
	"hst_k_pushf: pushfq\n"
	"hst_k_cli:   cli\n"
	"	add $1, %rax\n"			/* x + 7 */
	"hst_k_sti:   sti\n"
	"hst_k_popf:  popfq\n"
	"	mov $3, %ecx\n"
	"1:	add $2, %rax\n"
	"hst_k_loop:  loop 1b\n"			/* x + 13 */
	"	cmp $1000, %rax\n"
	"hst_k_jcc:   jb 2f\n"
	"	add $100, %rax\n"
	"2:\n"
	"hst_k_jmp:   jmp 3f\n"
	"	add $10000, %rax\n"
	"3:	pop %rbp\n"
	"hst_k_ret:   ret\n"
	"hooks_st_add3:\n"
	"	add $3, %rax\n"
	"	ret\n"
	"	.global hst_r_int3, hst_r_iret, hst_r_ss, hst_r_ljmp, hst_r_lret\n"
	"	.global hst_r_syscall, hst_r_ud2, hst_r_hlt, hst_r_int80\n"
	/* Never run: only probed (and refused). */
	"hooks_st_refused:\n"
	"	ret\n"
	"hst_r_int3:    int3\n"
	"hst_r_iret:    iretq\n"
	"hst_r_ss:      mov %ax, %ss\n"
	"hst_r_ljmp:    ljmp *(%rax)\n"
	"hst_r_lret:    lret\n"
	"hst_r_syscall: syscall\n"
	"hst_r_ud2:     ud2\n"
	"hst_r_hlt:     hlt\n"
	"hst_r_int80:   int $0x80\n"
	"	ret\n");

/* Jump probes refused by the proof (each falls back to int3). */
__asm__(
	"	.text\n"
	"	.global hst_j_target, hst_j_short, hst_j_short_end, hst_j_branch\n"
	/* The jb goes back to the add, inside the 5 bytes after the xor. */
	"hst_j_target:\n"
	"	xor %eax, %eax\n"
	"1:	add $1, %eax\n"
	"	cmp %edi, %eax\n"
	"	jb 1b\n"
	"	ret\n"
	/* Two bytes, then the next symbol. */
	"hst_j_short:\n"
	"	nop\n"
	"	nop\n"
	"hst_j_short_end:\n"
	"	ret\n"
	/* A branch among the 5 bytes. */
	"hst_j_branch:\n"
	"	test %edi, %edi\n"
	"	jz 2f\n"
	"	inc %eax\n"
	"2:	ret\n");
extern const u8 hst_j_target[], hst_j_short[], hst_j_branch[];

u64 hooks_st_kinds(u64 x);
extern const u8 hst_k_call[], hst_k_lea[], hst_k_icall[], hst_k_pushf[],
	hst_k_cli[], hst_k_sti[], hst_k_popf[], hst_k_loop[], hst_k_jcc[],
	hst_k_jmp[], hst_k_ret[];
extern const u8 hst_r_int3[], hst_r_iret[], hst_r_ss[], hst_r_ljmp[],
	hst_r_lret[], hst_r_syscall[], hst_r_ud2[], hst_r_hlt[], hst_r_int80[];

struct probe_hit {
	u64 calls;
	u64 rip;
};

static void exit_probe(const struct hook_args *a, void *data)
{
	struct probe_hit *h = data;
	h->calls++;
	h->rip = a->regs ? a->regs->rip : 0;
}

/* The first rip-relative instruction after the start of fn. */
static u64 find_rip_relative(u64 fn)
{
	u64 pc = fn;
	for (int i = 0; i < 32; i++) {
		struct x86_insn in;
		int len = x86_decode((const u8 *)pc, X86_MAX_INSN_LEN, &in);
		if (len < 0 || in.branch == X86_BR_RET)
			return 0;
		if (in.rip_relative && pc != fn)
			return pc;
		pc += (u64)len;
	}
	return 0;
}

static bool refused(u64 addr, const char *reason)
{
	const char *why = 0;
	int err = hook_declare_at("hst_refused", addr, &why);
	if (err == 0) {
		hook_undeclare("hst_refused");
		printk("hooks: selftest: probe at %lx accepted, expected \"%s\"\n",
		       addr, reason);
		return false;
	}
	if (err != HOOK_EREFUSED || !why || strcmp(why, reason)) {
		printk("hooks: selftest: probe at %lx: %d \"%s\", expected \"%s\"\n",
		       addr, err, why ? why : "(null)", reason);
		return false;
	}
	printk("hooks: probe refused at %lx: %s\n", addr, why);
	return true;
}

static void selftest_probes(void)
{
	/* A probe mid-function on a rip-relative load. */
	static struct probe_hit rip_hit;
	u64 want = hooks_st_rip(3);
	u64 at = find_rip_relative((u64)hooks_st_rip);
	const char *why = 0;
	CHECK(at != 0);
	CHECK(hook_declare_at("hst_rip", at, &why) == 0);
	CHECK(hook_exit_register("hst_rip", 0, exit_probe, &rip_hit, "count") == 0);
	CHECK(hook_arm("hst_rip") == 0);
	CHECK(*(const u8 *)at == 0xcc);
	u64 got = hooks_st_rip(3);
	CHECK(got == want && got == ((21 + 1000) ^ 0x55));
	CHECK(rip_hit.calls == 1 && rip_hit.rip == at);
	hooks_st_global = 2000;		/* the copy reads the real variable */
	CHECK(hooks_st_rip(3) == ((21 + 2000) ^ 0x55));
	CHECK(rip_hit.calls == 2);
	printk("hooks: probe at hooks_st_rip+%lu (rip-relative) hit %lu times, result ok\n",
	       at - (u64)hooks_st_rip, rip_hit.calls);
	CHECK(hook_disarm("hst_rip") == 0);
	CHECK(hooks_st_rip(3) == ((21 + 2000) ^ 0x55));
	CHECK(rip_hit.calls == 2);
	CHECK(hook_undeclare("hst_rip") == 0);
	hooks_st_global = 1000;

	/* Every special kind, armed as one set of probes. */
	static const struct { const char *name; const u8 *at; u64 per_call; } k[] = {
		{ "hst_k_call", hst_k_call, 1 }, { "hst_k_lea", hst_k_lea, 1 },
		{ "hst_k_icall", hst_k_icall, 1 }, { "hst_k_pushf", hst_k_pushf, 1 },
		{ "hst_k_cli", hst_k_cli, 1 }, { "hst_k_sti", hst_k_sti, 1 },
		{ "hst_k_popf", hst_k_popf, 1 }, { "hst_k_loop", hst_k_loop, 3 },
		{ "hst_k_jcc", hst_k_jcc, 1 }, { "hst_k_jmp", hst_k_jmp, 1 },
		{ "hst_k_ret", hst_k_ret, 1 },
	};
	static struct probe_hit hits[ARRAY_SIZE(k)];
	const char *names[ARRAY_SIZE(k)];
	for (size_t i = 0; i < ARRAY_SIZE(k); i++) {
		names[i] = k[i].name;
		int err = hook_declare_at(k[i].name, (u64)k[i].at, &why);
		if (err)
			printk("hooks: selftest: probe %s refused: %s\n", k[i].name, why);
		CHECK(err == 0);
		CHECK(hook_exit_register(k[i].name, 0, exit_probe, &hits[i], "count") == 0);
	}
	CHECK(hook_set_define("hst_kinds", names, ARRAY_SIZE(k)) == 0);
	CHECK(hooks_st_kinds(5) == 18 && hooks_st_kinds(2000) == 2113);
	CHECK(hook_set_arm("hst_kinds") == 0);
	u64 r1 = hooks_st_kinds(5), r2 = hooks_st_kinds(2000);
	CHECK(r1 == 18 && r2 == 2113);
	CHECK(irqs_enabled());	/* pushf/cli/sti/popf kept IF right */
	unsigned ok = 0;
	for (size_t i = 0; i < ARRAY_SIZE(k); i++) {
		if (hits[i].calls == 2 * k[i].per_call && hits[i].rip == (u64)k[i].at)
			ok++;
		else
			printk("hooks: selftest: probe %s: %lu hits, rip %lx\n",
			       k[i].name, hits[i].calls, hits[i].rip);
	}
	CHECK(ok == ARRAY_SIZE(k));
	printk("hooks: %u probe kinds (call, rip-relative lea, indirect call, pushf, cli, sti, popf, loop, jcc, jmp, ret) ok\n",
	       ok);
	CHECK(hook_set_disarm("hst_kinds") == 0);
	for (size_t i = 0; i < ARRAY_SIZE(k); i++)
		CHECK(hook_undeclare(k[i].name) == 0);
	CHECK(hooks_st_kinds(5) == 18);

	/* Refusals, each with its reason. */
	CHECK(refused(at + 1, "not an instruction boundary"));
	CHECK(refused((u64)hst_r_int3, "int3"));
	CHECK(refused((u64)hst_r_iret, "iret"));
	CHECK(refused((u64)hst_r_ss, "loads SS"));
	CHECK(refused((u64)hst_r_ljmp, "far transfer"));
	CHECK(refused((u64)hst_r_lret, "far transfer"));
	CHECK(refused((u64)hst_r_syscall, "software interrupt or system call"));
	CHECK(refused((u64)hst_r_int80, "software interrupt or system call"));
	CHECK(refused((u64)hst_r_ud2, "ud0/ud1/ud2 (raises #UD on purpose)"));
	CHECK(refused((u64)hst_r_hlt, "hlt (cannot run out of line with IF clear)"));
	CHECK(refused((u64)hook_fire, "inside the debugger or patch engine"));
	CHECK(refused((u64)patch_apply, "inside the debugger or patch engine"));
	CHECK(refused((u64)&hooks_st_global, "not in kernel text"));
}

static bool jump_refused(u64 addr, const char *reason)
{
	const char *why = 0;
	bool ok = hook_declare_jump("hst_jr", addr, &why) == 0 && why &&
		  !strcmp(why, reason);
	printk("hooks: jump probe at %lx: int3, not jump-optimized: %s\n", addr,
	       why ? why : "(jump-optimized!)");
	hook_undeclare("hst_jr");
	return ok;
}

/* A jump probe on the rip-relative load in the middle of hooks_st_rip:
 * the exit sees the probe's address and the registers, the load runs in
 * the detour and reads the real variable. */
static void selftest_jump_probes(void)
{
	static struct probe_hit hit;
	u64 at = find_rip_relative((u64)hooks_st_rip);
	const char *why = "x";
	CHECK(hook_declare_jump("hst_jrip", at, &why) == 0);
	CHECK(why == 0);
	CHECK(hook_exit_register("hst_jrip", 0, exit_probe, &hit, "count") == 0);
	CHECK(hook_arm("hst_jrip") == 0);
	CHECK(*(const u8 *)at == 0xe9);
	CHECK(hooks_st_rip(3) == ((21 + 1000) ^ 0x55));
	CHECK(hit.calls == 1 && hit.rip == at);
	hooks_st_global = 3000;
	u64 f = irq_save();	/* the IF-clear copy too */
	u64 r = hooks_st_rip(3);
	irq_restore(f);
	CHECK(r == ((21 + 3000) ^ 0x55));
	CHECK(hit.calls == 2);
	printk("hooks: jump probe at hooks_st_rip+%lu (rip-relative) hit %lu times, result ok\n",
	       at - (u64)hooks_st_rip, hit.calls);
	CHECK(hook_disarm("hst_jrip") == 0);
	CHECK(*(const u8 *)at != 0xe9 && *(const u8 *)at != 0xcc);
	CHECK(hooks_st_rip(3) == ((21 + 3000) ^ 0x55));
	CHECK(hit.calls == 2);
	CHECK(hook_undeclare("hst_jrip") == 0);
	hooks_st_global = 1000;

	CHECK(jump_refused((u64)hst_j_target, "a jump targets the displaced bytes"));
	CHECK(jump_refused((u64)hst_j_short, "the function ends within 5 bytes of the address"));
	CHECK(jump_refused((u64)hst_j_branch,
			   "a branch, call or return among the displaced instructions"));
}

static void selftest(void *arg)
{
	(void)arg;
	printk("hooks: selftest starting\n");
	selftest_static();
	selftest_sets();
	selftest_probes();
	selftest_jump_probes();
	if (failures)
		printk("hooks: selftest FAILED (%u of %u checks)\n", failures, checks);
	else
		printk("hooks: selftest passed (%u checks)\n", checks);
	task_exit();
}

/* --- SMP stress ------------------------------------------------------ */

/*
 * hooks.stress=N: CPU 0 arms and disarms the set hs_set N times while
 * every CPU (CPU 0 between its operations) runs stress_burst() in a tight
 * loop.  hs_set = hs_a (two static sites), hs_b (two) and hs_p (a probe
 * on a rip-relative add in hooks_stress_probed).  A burst runs with IRQs
 * off through a, b, p, a, b, p (positions 0..5); the exits set bit
 * `position` in the CPU's mask.  Checks:
 *   torn:     a burst saw the set half armed: its mask is not one run
 *             of ones (a gate opening, maybe followed by the next closing;
 *             an arm after a disarm cannot land in the same IRQs-off
 *             burst, since the disarm's batch needs this CPU's IPI);
 *   missed:   inside a window the controller declared stably armed
 *             (after hook_set_arm returned, until it starts disarming), a
 *             CPU's hs_a exit at position 0 skipped a burst;
 *   disarmed: any exit call between hook_set_disarm's return and the
 *             next hook_set_arm (checked every 64 cycles, after every CPU
 *             ran a burst);
 *   order:    hs_a's exits (prio 10, 15 while registered, 20) ran out of
 *             priority order;
 *   results:  hooks_stress_probed() returned a wrong value;
 *   listing:  hook_for_each's call counts differ from the exits' own.
 * An unexpected exception would oops the kernel (the e2e test watches).
 */
#define STRESS_K 0x1234

__asm__(
	"	.text\n"
	"	.global hooks_stress_probed, hooks_stress_probe_at\n"
	"hooks_stress_probed:\n"
	"	mov %rdi, %rax\n"
	"hooks_stress_probe_at:\n"
	"	add hooks_stress_k(%rip), %rax\n"
	"	ret\n"
	/* A jump probe's: the jmp covers both instructions (10 bytes, one
	 * rip-relative), which run in its detour. */
	"	.global hooks_stress_jumped\n"
	"hooks_stress_jumped:\n"
	"	mov %rdi, %rax\n"
	"	add hooks_stress_k(%rip), %rax\n"
	"	ret\n");
u64 hooks_stress_probed(u64 pos);
u64 hooks_stress_jumped(u64 pos);
extern const u8 hooks_stress_probe_at[];
const u64 hooks_stress_k = STRESS_K;

struct stress_cpu {
	u64 seq;
	u32 mask;
	u64 last_seq, last_win;
	u64 token;
	u64 a1, a2, b, p, j, c;		/* exit calls */
	u64 bursts, mixed;
	u64 torn, missed, order, bad;
} __attribute__((aligned(64)));

static struct stress_cpu st[MAX_CPUS];
static volatile u64 stress_window;	/* odd: stably armed */
static volatile bool stress_stop;
static volatile u32 stress_running;

static struct stress_cpu *me(void)
{
	return &st[kern_cpu_id()];
}

static void ex_a1(const struct hook_args *a, void *data)
{
	(void)data;
	struct stress_cpu *c = me();
	c->a1++;
	c->mask |= 1u << a->a[2];
	c->token = (a->a[1] << 3) | a->a[2];
	if (a->a[2] == 0) {
		u64 w = __atomic_load_n(&stress_window, __ATOMIC_ACQUIRE);
		if (w & 1) {
			if (c->last_win == w && a->a[1] != c->last_seq + 1)
				c->missed++;
			c->last_win = w;
			c->last_seq = a->a[1];
		}
	}
}

static void ex_c(const struct hook_args *a, void *data)
{
	(void)data;
	struct stress_cpu *c = me();
	c->c++;
	if (c->token != ((a->a[1] << 3) | a->a[2]))
		c->order++;
	c->token |= 1ull << 63;
}

static void ex_a2(const struct hook_args *a, void *data)
{
	(void)data;
	struct stress_cpu *c = me();
	c->a2++;
	if ((c->token & ~(1ull << 63)) != ((a->a[1] << 3) | a->a[2]))
		c->order++;
}

static void ex_b(const struct hook_args *a, void *data)
{
	(void)data;
	struct stress_cpu *c = me();
	c->b++;
	c->mask |= 1u << a->a[2];
}

static void ex_p(const struct hook_args *a, void *data)
{
	(void)data;
	struct stress_cpu *c = me();
	c->p++;
	c->mask |= 1u << (a->regs->rdi & 7);
}

static void ex_j(const struct hook_args *a, void *data)
{
	(void)data;
	struct stress_cpu *c = me();
	c->j++;
	c->mask |= 1u << (a->regs->rdi & 7);
}

__attribute__((noinline)) static void stress_sites(u64 cpu, u64 seq)
{
	struct stress_cpu *c = &st[cpu];
	HOOK(hs_a, cpu, seq, 0);
	HOOK(hs_b, cpu, seq, 1);
	c->bad += hooks_stress_probed(2) != 2 + STRESS_K;
	HOOK(hs_a, cpu, seq, 3);
	HOOK(hs_b, cpu, seq, 4);
	c->bad += hooks_stress_probed(5) != 5 + STRESS_K;
	c->bad += hooks_stress_jumped(6) != 6 + STRESS_K;
	c->bad += hooks_stress_jumped(7) != 7 + STRESS_K;
}

static void stress_burst(void)
{
	u64 f = irq_save();
	unsigned cpu = kern_cpu_id();
	struct stress_cpu *c = &st[cpu];
	c->mask = 0;
	stress_sites(cpu, ++c->seq);
	u32 m = c->mask;
	irq_restore(f);
	c->bursts++;
	if (m == 0 || m == 0xff)
		return;
	c->mixed++;
	/* One run of ones (0..0 1..1 0..0): an arm's gate store, maybe
	 * followed by the next disarm's.  A disarm and the next arm cannot
	 * both land in one burst: the disarm's batch needs this CPU's IPI
	 * in between. */
	u32 low = m & -m;
	if (((m + low) & m) != 0)
		c->torn++;
}

static u64 stress_hlt;

static void stress_worker(void *arg)
{
	(void)arg;
	u64 k = 0;
	__atomic_fetch_add(&stress_running, 1, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&stress_stop, __ATOMIC_ACQUIRE)) {
		stress_burst();
		if (stress_hlt && ++k % stress_hlt == 0)
			sti_hlt();
	}
	__atomic_fetch_sub(&stress_running, 1, __ATOMIC_RELEASE);
	task_exit();
}

static u64 total_calls(void)
{
	u64 t = 0;
	for (unsigned i = 0; i < ncpus; i++)
		t += __atomic_load_n(&st[i].a1, __ATOMIC_RELAXED) +
		     __atomic_load_n(&st[i].a2, __ATOMIC_RELAXED) +
		     __atomic_load_n(&st[i].b, __ATOMIC_RELAXED) +
		     __atomic_load_n(&st[i].p, __ATOMIC_RELAXED) +
		     __atomic_load_n(&st[i].j, __ATOMIC_RELAXED) +
		     __atomic_load_n(&st[i].c, __ATOMIC_RELAXED);
	return t;
}

/* Every other CPU finished a burst it started after now; false if one
 * did not within 10 s (vCPUs are host threads on a busy host).  A sync
 * round every 100 us wakes halted workers. */
static bool others_progress(void)
{
	u64 seen[MAX_CPUS];
	for (unsigned i = 0; i < ncpus; i++)
		seen[i] = __atomic_load_n(&st[i].bursts, __ATOMIC_ACQUIRE);
	u64 end = kern_nsec() + 10000000000ull;
	for (unsigned i = 1; i < ncpus; i++) {
		while (__atomic_load_n(&st[i].bursts, __ATOMIC_ACQUIRE) < seen[i] + 2) {
			if (kern_nsec() > end)
				return false;
			port_sync_others();
			arch_udelay(100);
		}
	}
	return true;
}

struct listing_sum {
	u64 a1, a2, b, p, j;
	bool jumped;		/* hs_j listed as a jump probe */
};

static void sum_listing(const struct hook_info *h, void *data)
{
	struct listing_sum *l = data;
	for (size_t i = 0; i < h->nexits; i++) {
		const char *n = h->exits[i].name;
		u64 calls = h->exits[i].calls;
		if (!strcmp(n, "hs_a1")) l->a1 += calls;
		else if (!strcmp(n, "hs_a2")) l->a2 += calls;
		else if (!strcmp(n, "hs_b")) l->b += calls;
		else if (!strcmp(n, "hs_p")) l->p += calls;
		else if (!strcmp(n, "hs_j")) l->j += calls;
	}
	if (!strcmp(h->name, "hs_j"))
		l->jumped = !strcmp(h->kind, "jump") && !h->note;
}

static void stress(void *arg)
{
	u64 n = (u64)arg, disarmed_calls = 0, stalls = 0, errs = 0;
	static const char *const set[] = { "hs_a", "hs_b", "hs_p", "hs_j" };
	const char *why = 0;
	struct patch_stats p0, p1;

	if (hook_declare_at("hs_p", (u64)hooks_stress_probe_at, &why)) {
		printk("hooks: stress FAILED: probe refused: %s\n", why);
		task_exit();
	}
	if (hook_declare_jump("hs_j", (u64)hooks_stress_jumped, &why) || why) {
		printk("hooks: stress FAILED: jump probe refused: %s\n", why);
		task_exit();
	}
	errs += hook_exit_register("hs_a", 10, ex_a1, 0, "hs_a1") != 0;
	errs += hook_exit_register("hs_a", 20, ex_a2, 0, "hs_a2") != 0;
	errs += hook_exit_register("hs_b", 0, ex_b, 0, "hs_b") != 0;
	errs += hook_exit_register("hs_p", 0, ex_p, 0, "hs_p") != 0;
	errs += hook_exit_register("hs_j", 0, ex_j, 0, "hs_j") != 0;
	errs += hook_set_define("hs_set", set, 4) != 0;
	for (unsigned cpu = 1; cpu < ncpus; cpu++)
		task_create("hooks_stress", cpu, stress_worker, 0);
	while (__atomic_load_n(&stress_running, __ATOMIC_ACQUIRE) + 1 < ncpus)
		yield();
	printk("hooks: stress: %lu arm/disarm cycles of hs_set (hs_a x2 sites, hs_b x2, probe hs_p, jump probe hs_j) on %u CPUs, workers halt every %lu bursts\n",
	       n, ncpus, stress_hlt);
	patch_get_stats(&p0);
	u64 t0 = kern_nsec();
	for (u64 i = 0; i < n; i++) {
		errs += hook_set_arm("hs_set") != 0;
		__atomic_store_n(&stress_window, 2 * i + 1, __ATOMIC_RELEASE);
		if ((i & 255) == 0)	/* exits come and go while live */
			errs += hook_exit_register("hs_a", 15, ex_c, 0, "hs_c") != 0;
		if ((i & 255) == 128)
			errs += hook_exit_unregister("hs_a", ex_c, 0) != 0;
		stress_burst();
		__atomic_store_n(&stress_window, 2 * i + 2, __ATOMIC_RELEASE);
		errs += hook_set_disarm("hs_set") != 0;
		if ((i & 63) == 63) {
			u64 before = total_calls();
			stress_burst();
			stalls += !others_progress();
			disarmed_calls += total_calls() - before;
		}
		if ((i & 8191) == 8191)
			printk("hooks: stress: %lu cycles\n", i + 1);
	}
	u64 t1 = kern_nsec();
	patch_get_stats(&p1);
	hook_exit_unregister("hs_a", ex_c, 0);
	__atomic_store_n(&stress_stop, true, __ATOMIC_RELEASE);
	while (__atomic_load_n(&stress_running, __ATOMIC_ACQUIRE))
		yield();

	struct stress_cpu t = { 0 };
	for (unsigned i = 0; i < ncpus; i++) {
		t.a1 += st[i].a1; t.a2 += st[i].a2; t.b += st[i].b; t.p += st[i].p;
		t.j += st[i].j;
		t.c += st[i].c; t.bursts += st[i].bursts; t.mixed += st[i].mixed;
		t.torn += st[i].torn; t.missed += st[i].missed;
		t.order += st[i].order; t.bad += st[i].bad;
	}
	struct listing_sum l = { 0 };
	hook_for_each(sum_listing, &l);
	u64 listing_bad = (l.a1 != t.a1) + (l.a2 != t.a2) + (l.b != t.b) + (l.p != t.p) +
			  (l.j != t.j);
	u64 ms = (t1 - t0) / 1000000;
	printk("hooks: stress: %lu cycles in %lu ms (%lu us each), %lu sync rounds, %lu IPIs\n",
	       n, ms, n ? (t1 - t0) / 1000 / n : 0, p1.sync_rounds - p0.sync_rounds,
	       p1.ipis - p0.ipis);
	printk("hooks: stress: %lu bursts, %lu saw a transition; exit calls a1=%lu a2=%lu c=%lu b=%lu p=%lu j=%lu; int3 emulated %lu; hs_j %s\n",
	       t.bursts, t.mixed, t.a1, t.a2, t.c, t.b, t.p, t.j,
	       p1.int3_emulated - p0.int3_emulated,
	       l.jumped ? "jump-optimized" : "NOT jump-optimized");
	printk("hooks: stress: torn=%lu missed=%lu disarmed_calls=%lu order=%lu bad_results=%lu listing_mismatch=%lu stalls=%lu errors=%lu\n",
	       t.torn, t.missed, disarmed_calls, t.order, t.bad, listing_bad, stalls, errs);
	bool pass = !t.torn && !t.missed && !disarmed_calls && !t.order && !t.bad &&
		    !listing_bad && !stalls && !errs && t.a1 && t.p && t.j && t.mixed;
	errs += hook_undeclare("hs_p") != 0;
	errs += hook_undeclare("hs_j") != 0;
	printk("hooks: stress %s\n", pass && !errs ? "passed" : "FAILED");
	task_exit();
}

/* --- benchmark (hooks.bench) ------------------------------------------ */

/*
 * Lines "hooks-bench: ..." for bench/bench_hooks.py.  Per-operation
 * costs from rdtsc over loops run with IRQs off; arming costs from
 * kern_nsec() with the patch engine's counters of sync rounds and IPIs.
 */
__attribute__((noinline)) u64 hooks_bench_plain(u64 x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

__attribute__((noinline)) u64 hooks_bench_hooked(u64 x)
{
	HOOK(hb_site, x);
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

/* The probe goes on the add, mid-function. */
__asm__(
	"	.text\n"
	"	.global hooks_bench_probed, hooks_bench_probe_at\n"
	"hooks_bench_probed:\n"
	"	mov %rdi, %rax\n"
	"hooks_bench_probe_at:\n"
	"	add $1, %rax\n"
	"	ret\n"
	/* The same for a jump probe at its start (no symbol inside: the
	 * proof decodes up to the next one). */
	"	.global hooks_bench_jumped\n"
	"hooks_bench_jumped:\n"
	"	mov %rdi, %rax\n"
	"	add $1, %rax\n"
	"	ret\n");
u64 hooks_bench_probed(u64 x);
u64 hooks_bench_jumped(u64 x);
extern const u8 hooks_bench_probe_at[];

#define R10(x) x x x x x x x x x x
__attribute__((noinline)) void hooks_bench_sites(void)
{
	HOOK(hb_1);
	R10(HOOK(hb_10);)
	R10(R10(HOOK(hb_100);))
	R10(R10(R10(HOOK(hb_1000);)))
}

static u64 bench_calls;

static void bench_exit(const struct hook_args *a, void *data)
{
	(void)a;
	(void)data;
	bench_calls++;
}

static void report(const char *item, u64 n, u64 cycles)
{
	u64 mhz = arch_tsc_hz() / 1000000;
	u64 c100 = cycles * 100 / n;
	u64 ns100 = mhz ? cycles * 100000 / mhz / n : 0;
	printk("hooks-bench: item=%s n=%lu cycles=%lu.%02lu ns=%lu.%02lu\n", item, n,
	       c100 / 100, c100 % 100, ns100 / 100, ns100 % 100);
}

/* Best of 5 runs of n calls (the host may take the CPU away). */
static u64 time_loop(u64 (*fn)(u64), u64 n)
{
	u64 best = ~0ull;
	for (int r = 0; r < 5; r++) {
		u64 f = irq_save();
		u64 x = 0, t0 = rdtsc();
		for (u64 i = 0; i < n; i++)
			x = fn(x);
		u64 t1 = rdtsc();
		irq_restore(f);
		if (x != n)
			return 0;
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

static void bench(void *arg)
{
	(void)arg;
	const u64 n = 200000, np = 20000;
	const char *why;
	printk("hooks-bench: start (%u CPUs, TSC %lu MHz)\n", ncpus,
	       arch_tsc_hz() / 1000000);
	report("nosite", n, time_loop(hooks_bench_plain, n));
	report("disarmed", n, time_loop(hooks_bench_hooked, n));
	hook_exit_register("hb_site", 0, bench_exit, 0, "bench");
	hook_arm("hb_site");
	report("armed1", n, time_loop(hooks_bench_hooked, n));
	hook_disarm("hb_site");

	report("probe_off", np, time_loop(hooks_bench_probed, np));
	if (hook_declare_at("hb_probe", (u64)hooks_bench_probe_at, &why))
		printk("hooks-bench: probe refused: %s\n", why);
	hook_exit_register("hb_probe", 0, bench_exit, 0, "bench");
	hook_arm("hb_probe");
	report("probe_hit", np, time_loop(hooks_bench_probed, np));
	hook_undeclare("hb_probe");
	/* A jump probe over the same two instructions. */
	if (hook_declare_jump("hb_jump", (u64)hooks_bench_jumped, &why) || why)
		printk("hooks-bench: jump probe refused: %s\n", why);
	hook_exit_register("hb_jump", 0, bench_exit, 0, "bench");
	hook_arm("hb_jump");
	if (*(const u8 *)hooks_bench_jumped != 0xe9)
		printk("hooks-bench: jump probe not jump-optimized\n");
	report("jump_hit", np, time_loop(hooks_bench_jumped, np));
	hook_undeclare("hb_jump");

	/* Bare sync rounds: best of 5 runs of 200. */
	u64 best = ~0ull;
	for (int r = 0; r < 5; r++) {
		u64 t0 = kern_nsec();
		for (int i = 0; i < 200; i++)
			port_sync_others();
		u64 t = (kern_nsec() - t0) / 200;
		best = t < best ? t : best;
	}
	printk("hooks-bench: sync_round us=%lu ipis_per_round=%u\n", best / 1000,
	       ncpus - 1);

	static const char *const names[] = { "hb_1", "hb_10", "hb_100", "hb_1000" };
	static const unsigned sites[] = { 1, 10, 100, 1000 };
	/* Median of 21 arm/disarm pairs. */
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		enum { REPS = 21 };
		u64 arm_ns[REPS], disarm_ns[REPS];
		struct patch_stats p0, p1, p2;
		hook_exit_register(names[i], 0, bench_exit, 0, "bench");
		for (int r = 0; r < REPS; r++) {
			patch_get_stats(&p0);
			u64 a = kern_nsec();
			hook_arm(names[i]);
			u64 b = kern_nsec();
			patch_get_stats(&p1);
			hook_disarm(names[i]);
			u64 c = kern_nsec();
			patch_get_stats(&p2);
			arm_ns[r] = b - a;
			disarm_ns[r] = c - b;
		}
		for (int x = 1; x < REPS; x++)	/* insertion sorts */
			for (int y = x; y && arm_ns[y - 1] > arm_ns[y]; y--) {
				u64 t = arm_ns[y]; arm_ns[y] = arm_ns[y - 1]; arm_ns[y - 1] = t;
			}
		for (int x = 1; x < REPS; x++)
			for (int y = x; y && disarm_ns[y - 1] > disarm_ns[y]; y--) {
				u64 t = disarm_ns[y]; disarm_ns[y] = disarm_ns[y - 1]; disarm_ns[y - 1] = t;
			}
		printk("hooks-bench: arm sites=%u arm_us=%lu disarm_us=%lu rounds=%lu ipis=%lu disarm_rounds=%lu\n",
		       sites[i], arm_ns[REPS / 2] / 1000, disarm_ns[REPS / 2] / 1000,
		       p1.sync_rounds - p0.sync_rounds, p1.ipis - p0.ipis,
		       p2.sync_rounds - p1.sync_rounds);
	}
	printk("hooks-bench: done\n");
	task_exit();
}

void hooks_selftest_start(void)
{
	if (kcmd_flag(kern_cmdline, "hooks.bench"))
		task_create("hooks_bench", 0, bench, 0);
	if (kcmd_flag(kern_cmdline, "hooks.selftest"))
		task_create("hooks_selftest", 0, selftest, 0);
	u64 n = kcmd_u64(kern_cmdline, "hooks.stress", 0);
	stress_hlt = kcmd_u64(kern_cmdline, "hooks.stress_hlt", 2);
	if (n)
		task_create("hooks_stress", 0, stress, (void *)n);
}
