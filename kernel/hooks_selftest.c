/*
 * In-kernel tests of the hook layer, started from the command line:
 *
 *   hooks.selftest    functional checks on one CPU (static hooks, exit
 *                     order, sets, probes), then "hooks: selftest passed"
 *                     or "hooks: selftest FAILED ..." lines.
 *
 * The e2e tests (tests/e2e/test_hooks.py) wait for these lines.
 */
#include "kernel.h"
#include "task.h"
#include "../hooks/hook.h"
#include "../hooks/patch.h"
#include "../arch/x86_64/cpu.h"
#include "../arch/x86_64/decode.h"
#include "../arch/x86_64/regs.h"

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

void hook_dispatch_static(u64 a0, u64 a1, u64 a2, u64 a3, u64 site);

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
	CHECK(refused((u64)hook_dispatch_static, "inside the debugger or patch engine"));
	CHECK(refused((u64)patch_apply, "inside the debugger or patch engine"));
	CHECK(refused((u64)&hooks_st_global, "not in kernel text"));
}

static void selftest(void *arg)
{
	(void)arg;
	printk("hooks: selftest starting\n");
	selftest_static();
	selftest_sets();
	selftest_probes();
	if (failures)
		printk("hooks: selftest FAILED (%u of %u checks)\n", failures, checks);
	else
		printk("hooks: selftest passed (%u checks)\n", checks);
	task_exit();
}

void hooks_selftest_start(void)
{
	if (kcmd_flag(kern_cmdline, "hooks.selftest"))
		task_create("hooks_selftest", 0, selftest, 0);
}
