// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * ktarget.ko: a module for kstub.ko's tests to set tracepoints and
 * breakpoints in module text (tests/e2e/test_linux.py).  Writing N to
 * /sys/module/ktarget/parameters/poke calls ktarget_work(N) once, and
 * ktarget_keyed(N), which holds a jump label (a static key).  Writing
 * to .../parameters/oops oopses in ktarget_oops(), for the test that an
 * oops stops in gdb first (the writing task dies; the kernel runs on).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/jump_label.h>

static unsigned long total;
/* A jump label in module text: kstub.ko must refuse to patch its site. */
static DEFINE_STATIC_KEY_FALSE(ktarget_double);

noinline unsigned long ktarget_work(unsigned long n)
{
	total += n;
	return total * 3 + n;
}

noinline unsigned long ktarget_keyed(unsigned long n)
{
	unsigned long r = n * 5 + total;
	if (static_branch_unlikely(&ktarget_double))
		r *= 2;
	return r;
}
EXPORT_SYMBOL_GPL(ktarget_work);

/* NULL.  Read with READ_ONCE so the compiler cannot see it is. */
static unsigned long *ktarget_nowhere;

noinline void ktarget_oops(unsigned long n)
{
	WRITE_ONCE(*READ_ONCE(ktarget_nowhere), n);
}

static int poke_set(const char *val, const struct kernel_param *kp)
{
	unsigned long n;
	int err = kstrtoul(val, 0, &n);
	(void)kp;
	if (err)
		return err;
	pr_info("ktarget: work(%lu) = %lu, keyed %lu\n", n, ktarget_work(n),
		ktarget_keyed(n));
	return 0;
}

static const struct kernel_param_ops poke_ops = { .set = poke_set };
module_param_cb(poke, &poke_ops, NULL, 0200);
MODULE_PARM_DESC(poke, "write N: call ktarget_work(N)");

static int oops_set(const char *val, const struct kernel_param *kp)
{
	(void)val;
	(void)kp;
	ktarget_oops(1);
	return 0;
}

static const struct kernel_param_ops oops_ops = { .set = oops_set };
module_param_cb(oops, &oops_ops, NULL, 0200);
MODULE_PARM_DESC(oops, "write anything: a NULL pointer write (an oops)");

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("a target for kstub.ko's module-text tests");
