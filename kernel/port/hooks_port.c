/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The reference kernel's side of the hook layer: the port functions of
 * hooks/hook_port.h, `monitor hooks`, and boot.
 */
#include "../kernel.h"
#include "../task.h"
#include "../../hooks/hook.h"
#include "../../hooks/hook_port.h"
#include "../../stub/kstub.h"
#include "../../arch/x86_64/regs.h"

bool port_hooks_parked(void)
{
	/* While a debugger session is active, the CPU running kernel code
	 * is its master: every other one is parked. */
	return kstub_is_active();
}

/* port_text_busy's sync round: each CPU looks at the interrupt it is
 * handling, the IPI itself: what it interrupted is where it resumes.
 * (Handlers run with IRQs off, so nothing else can lie between.) */
static u64 busy_lo, busy_hi;
static volatile bool busy_seen;

static void busy_check(void *arg)
{
	(void)arg;
	const struct arch_regs *r = this_cpu()->irq_frame;
	if (r && r->rip >= busy_lo && r->rip < busy_hi)
		busy_seen = true;
}

static bool frame_in(const struct arch_regs *r, u64 start, u64 end)
{
	return r && r->rip >= start && r->rip < end;
}

bool port_text_busy(u64 start, u64 end)
{
	if (kern_preempted_in(start, end))
		return true;
	/* Parked CPUs (all of them in a debugger session, or some stopped
	 * alone in non-stop mode): where each stopped, and the interrupt it
	 * was handling if the NMI that stopped it came inside one.  The
	 * sync round below does not wait for them. */
	for (unsigned c = 0; c < ncpus; c++)
		if (kstub_cpu_frame(c) && (frame_in(kstub_cpu_frame(c), start, end) ||
					   frame_in(percpu[c].irq_frame, start, end)))
			return true;
	if (kstub_is_active())
		return false;
	busy_lo = start;
	busy_hi = end;
	busy_seen = false;
	smp_call_others(busy_check, 0);
	return busy_seen;
}

extern const struct { u64 insn, fixup; } __ex_table_start[], __ex_table_end[];

bool port_has_fixup(u64 addr)
{
	for (const __typeof__(__ex_table_start[0]) *e = __ex_table_start;
	     e < __ex_table_end; e++)
		if (e->insn == addr)
			return true;
	return false;
}

bool port_fixup_in(u64 start, u64 end)
{
	for (const __typeof__(__ex_table_start[0]) *e = __ex_table_start;
	     e < __ex_table_end; e++)
		if ((e->insn >= start && e->insn < end) ||
		    (e->fixup > start && e->fixup < end))
			return true;
	return false;
}

u64 port_sym_end(u64 addr)
{
	return ksym_next(addr);
}

u64 port_sym_start(u64 addr, const char **name)
{
	u64 off;
	const char *n = ksym_lookup(addr, &off);
	if (!n)
		return 0;
	if (name)
		*name = n;
	return addr - off;
}

/* ADDR (0x... or decimal) or SYMBOL[+OFFSET]; 0 if unknown. */
static u64 parse_location(const char *s, size_t n)
{
	u64 v, off = 0;
	if (kstr_to_u64(s, n, &v))
		return v;
	size_t plus = 0;
	while (plus < n && s[plus] != '+')
		plus++;
	if (plus < n && !kstr_to_u64(s + plus + 1, n - plus - 1, &off))
		return 0;
	char name[64];
	if (plus >= sizeof(name))
		return 0;
	memcpy(name, s, plus);
	name[plus] = 0;
	v = ksym_addr(name);
	return v ? v + off : 0;
}

/* Next space-separated word of *s: start and length; advances *s. */
static size_t word(const char **s, const char **start)
{
	while (**s == ' ')
		(*s)++;
	*start = *s;
	while (**s && **s != ' ')
		(*s)++;
	return (size_t)(*s - *start);
}

static bool is_word(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(w, lit, n);
}

/* The exit of probes placed from gdb: hook_for_each counts its calls. */
static void count_exit(const struct hook_args *a, void *data)
{
	(void)a;
	(void)data;
}

/*
 * monitor hooks [PREFIX]                list hooks, exits, armed state
 * monitor hooks probe NAME LOCATION     declare a probe (with a counting
 *                                       exit), or say why not
 * monitor hooks jprobe NAME LOCATION    the same, jump-optimized where
 *                                       proven safe (else int3: why)
 * monitor hooks unprobe NAME
 * monitor hooks arm|disarm NAME
 * monitor hooks arm-set|disarm-set SET
 * Runs on the debugger master with the other CPUs parked: the hook layer
 * patches without IPIs (port_hooks_parked).
 */
static void monitor_hooks(const char *args, void (*out)(const char *text))
{
	char line[160], name[32];
	const char *p = args, *cmd, *w;
	size_t cn = word(&p, &cmd), wn = word(&p, &w);
	int err;

	bool jump = cn && is_word(cmd, cn, "jprobe");
	if (!cn || !(is_word(cmd, cn, "probe") || jump || is_word(cmd, cn, "unprobe") ||
		     is_word(cmd, cn, "arm") || is_word(cmd, cn, "disarm") ||
		     is_word(cmd, cn, "arm-set") || is_word(cmd, cn, "disarm-set"))) {
		hook_print(out, args);
		return;
	}
	if (!wn || wn >= sizeof(name)) {
		out("usage: monitor hooks probe|jprobe NAME ADDR|SYMBOL[+OFF] | unprobe NAME | arm NAME | disarm NAME | arm-set SET | disarm-set SET\n");
		return;
	}
	memcpy(name, w, wn);
	name[wn] = 0;
	if (is_word(cmd, cn, "probe") || jump) {
		const char *loc, *why = 0;
		size_t ln = word(&p, &loc);
		u64 addr = ln ? parse_location(loc, ln) : 0;
		if (!addr) {
			out("hooks: unknown location (use 0xADDR or SYMBOL[+OFFSET])\n");
			return;
		}
		err = jump ? hook_declare_jump(name, addr, &why) :
			     hook_declare_at(name, addr, &why);
		if (!err)
			err = hook_exit_register(name, 0, count_exit, 0, "count");
		if (!err && jump && why)
			kfmt_snprintf(line, sizeof(line), "hooks: probe %s at 0x%lx declared (disarmed), "
				      "int3: not jump-optimized: %s\n", name, addr, why);
		else if (!err && jump)
			kfmt_snprintf(line, sizeof(line), "hooks: probe %s at 0x%lx declared (disarmed), "
				      "jump-optimized\n", name, addr);
		else if (err && why)
			kfmt_snprintf(line, sizeof(line), "hooks: probe %s at 0x%lx refused: %s\n",
				      name, addr, why);
		else if (err)
			kfmt_snprintf(line, sizeof(line), "hooks: probe %s at 0x%lx: %s\n",
				      name, addr, hook_strerror(err));
		else
			kfmt_snprintf(line, sizeof(line), "hooks: probe %s at 0x%lx declared (disarmed)\n",
				      name, addr);
		out(line);
		return;
	}
	if (is_word(cmd, cn, "unprobe"))
		err = hook_undeclare(name);
	else if (is_word(cmd, cn, "arm"))
		err = hook_arm(name);
	else if (is_word(cmd, cn, "disarm"))
		err = hook_disarm(name);
	else if (is_word(cmd, cn, "arm-set"))
		err = hook_set_arm(name);
	else
		err = hook_set_disarm(name);
	char verb[16];
	kstr_copy(verb, cmd, cn + 1 < sizeof(verb) ? cn + 1 : sizeof(verb));
	kfmt_snprintf(line, sizeof(line), "hooks: %s %s: %s\n", verb, name,
		      hook_strerror(err));
	out(line);
}

static const struct kstub_monitor_cmd hooks_cmd = {
	.name = "hooks",
	.help = "hooks [PREFIX] | probe|jprobe NAME LOC | unprobe NAME | arm|disarm NAME | arm-set|disarm-set SET",
	.fn = monitor_hooks,
};

/* Frees what debugger sessions retired (hooks/hook.h, hook_reclaim). */
static void hooks_reaper(void *arg)
{
	(void)arg;
	for (;;) {
		sleep_ms(100);
		if (!kstub_cpus_parked())
			hook_reclaim();
	}
}

void hooks_port_init(void)
{
	hook_init();
	task_create("hooks_reaper", 0, hooks_reaper, 0);
	if (kstub_monitor_register(&hooks_cmd))
		printk("hooks: no room for `monitor hooks`\n");
}
