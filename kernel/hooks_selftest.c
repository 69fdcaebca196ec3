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

static void selftest(void *arg)
{
	(void)arg;
	printk("hooks: selftest starting\n");
	selftest_static();
	selftest_sets();
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
