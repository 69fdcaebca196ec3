/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * All-stop: the CPU that traps becomes master, stops the others with an
 * NMI, waits until each is parked with its frame saved, removes the
 * breakpoints and serves gdb.  Resuming inserts the breakpoints and
 * releases every CPU.  Stepping releases only the stepped CPU.
 */
#include "kstub_internal.h"
#include "kstub_port.h"
#include "bp.h"
#include "../lib/string.h"
#include "../lib/fmt.h"
#include "rsp_parse.h"
#include "rsp_stats.h"

struct kstub_state ks;

/*
 * Session protocol.  `master` is the CPU serving gdb (-1: none).  While
 * `accepting` is set a CPU that traps or takes the roundup NMI parks; it
 * leaves when the master bumps `release_gen` (or tells it to step).  The
 * master clears `accepting` before bumping the generation, so a CPU that
 * saw the old generation with `accepting` set is sure to see the bump,
 * and one that arrives later waits for the master to leave and competes
 * for the next session instead of parking with nobody to release it.
 */
static volatile int master = -1;
static volatile bool accepting;
static volatile u32 release_gen;
/* The others stay parked while the master itself single-steps. */
static volatile bool others_held;
/* Owned by whoever uses the link: the Ctrl-C poller, a CPU stopped
 * alone serving it, the master, a console writer.  0, or the CPU + 1. */
static volatile u32 link_lock;

static void relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static bool link_try(unsigned me)
{
	u32 z = 0;
	return __atomic_compare_exchange_n(&link_lock, &z, me + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Only if still ours: a session on this CPU may have taken it over. */
static void link_release(unsigned me)
{
	u32 mine = me + 1;
	__atomic_compare_exchange_n(&link_lock, &mine, 0, false,
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* The master waits for the link.  Held by this very CPU means a trap
 * inside a console write on it (a breakpoint in the UART code): the
 * write is frozen under us, so the session takes the link over (that
 * line may come out broken). */
static void link_take(unsigned me)
{
	while (!link_try(me) &&
	       __atomic_load_n(&link_lock, __ATOMIC_ACQUIRE) != me + 1)
		relax();
}

/* Console text waiting for the link (kstub_console_out). */
static char held[1024];
static size_t held_len;
/* The held buffer's lock: 0, or the CPU holding it + 1.  Short sections
 * (a copy); a CPU inside one is never stopped alone (kstub_nmi). */
static volatile u32 held_lock;
static void console_pump(unsigned me);

void kstub_init(const struct rsp_transport *t, bool console_on_link)
{
	rsp_conn_init(&ks.conn, t);
	ks.conn.clock = rsp_stats_now;
	ks.console_on_link = console_on_link;
	ks.stop_cpu = 0;
	ks.g_cpu = 0;
	tp_init();
	__atomic_store_n(&ks.enabled, true, __ATOMIC_RELEASE);
}

bool kstub_attached(void)
{
	return __atomic_load_n(&ks.attached, __ATOMIC_ACQUIRE);
}

void kstub_shutdown(void)
{
	/* Out of the text while traps still reach us: a CPU that meets an
	 * int3 being removed is handled as usual. */
	tp_shutdown();
	bp_clear_all();
	bp_remove_unused(PATCH_LIVE);
	for (int i = 0; i < ARCH_HW_SLOTS; i++)
		ks.hw[i].used = false;
	__atomic_store_n(&ks.enabled, false, __ATOMIC_RELEASE);
}

struct arch_hw_bp *kstub_hw_slots(void)
{
	return ks.hw;
}

bool kstub_enabled(void)
{
	return __atomic_load_n(&ks.enabled, __ATOMIC_ACQUIRE);
}

bool kstub_step_expected(void)
{
	unsigned me = port_cpu_id();
	return me < KSTUB_MAX_CPUS && ks.cpu[me].step_wanted;
}

bool kstub_cpus_parked(void)
{
	unsigned me = port_cpu_id();
	for (unsigned i = 0; i < port_cpu_count() && i < KSTUB_MAX_CPUS; i++)
		if (i != me && __atomic_load_n(&ks.cpu[i].state, __ATOMIC_ACQUIRE) == CPU_PARKED)
			return true;
	return false;
}

struct arch_regs *kstub_cpu_frame(unsigned cpu)
{
	if (cpu >= KSTUB_MAX_CPUS)
		return 0;
	if ((int)cpu == __atomic_load_n(&master, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&ks.cpu[cpu].state, __ATOMIC_ACQUIRE) == CPU_PARKED)
		return ks.cpu[cpu].regs;
	return 0;
}

static volatile bool live_serving;

static bool hw_any(void)
{
	for (int i = 0; i < ARCH_HW_SLOTS; i++)
		if (ks.hw[i].used)
			return true;
	return false;
}

/* The live server, with the link held.  No watchpoint may fire on the
 * memory gdb reads through it: the debug registers are off meanwhile,
 * and loaded again (maybe changed) when a running CPU goes back to the
 * kernel.  A CPU stopped alone loads them when it goes on. */
static int live_poll(bool running)
{
	bool hw = hw_any();
	if (hw)
		arch_hw_bp_disable();
	live_serving = true;
	int r = rsp_live_poll();
	live_serving = false;
	if (running && (hw || hw_any()))
		arch_hw_bp_load(ks.hw);
	return r;
}

bool kstub_link_in_use(void)
{
	return kstub_is_active() || live_serving;
}

bool kstub_is_active(void)
{
	return __atomic_load_n(&master, __ATOMIC_ACQUIRE) >= 0;
}

/* Every other online CPU parked under this session's generation (one
 * still leaving the previous session's park does not count). */
static void wait_parked(int me)
{
	u32 gen = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);
	u64 deadline = port_time_us() + 1000000;
	for (unsigned i = 0; i < port_cpu_count(); i++) {
		if ((int)i == me || !port_cpu_online(i))
			continue;
		struct kstub_cpu *c = &ks.cpu[i];
		while (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_PARKED ||
		       __atomic_load_n(&c->park_gen, __ATOMIC_ACQUIRE) != gen) {
			if (port_time_us() > deadline) {
				/* Counted (`monitor stats`), not printed: a
				 * CPU parked with the console lock held would
				 * hang printk. */
				ks.park_timeouts++;
				ks.park_timeout_cpu = i;
				break;
			}
			relax();
		}
	}
}

/*
 * A parked CPU waits here until the session that parked it (generation
 * gen) ends, or the master tells it to step.  Returns GO_STEP or
 * GO_CONTINUE.
 */
/*
 * Is a session of generation gen rounding this CPU up?  nmi_sent alone
 * can be stale: an NMI the park IDT swallowed leaves it set; the
 * generation tells an old request from the current one.  (A master never
 * has a request of its own session: within a generation the master is
 * always the same CPU.)
 */
static bool roundup_for_me(const struct kstub_cpu *c, u32 gen)
{
	return __atomic_load_n(&accepting, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&c->nmi_gen, __ATOMIC_ACQUIRE) == gen;
}

/* A parked CPU goes on (continue or step) with gdb's debug registers. */
static void unpark(struct kstub_cpu *c, struct arch_regs *r, int go)
{
	unsigned cpu = (unsigned)(c - ks.cpu);
	c->go = GO_STAY;
	arch_hw_bp_load(ks.hw);
	c->step_wanted = go == GO_STEP;
	arch_regs_set_pc(r, bp_resume_pc(arch_regs_pc(r)));
	if (go == GO_STEP) {
		arch_step_hold_irqs(r, cpu);
		tp_step_cancel(cpu);
	}
	/* A tracepoint's while-stepping goes on where the stop found it:
	 * in this very frame (TF set in it; a frame of another context on
	 * this CPU, an interrupt, must not be stepped). */
	arch_set_step(r, go == GO_STEP || (tp_step_active(cpu) && arch_frame_tf(r)));
	__atomic_store_n(&c->state, CPU_RUNNING, __ATOMIC_RELEASE);
}

static int park(unsigned cpu, struct arch_regs *r, u32 gen, bool from_nmi)
{
	struct kstub_cpu *c = &ks.cpu[cpu];
	c->regs = r;
	arch_save_cpu_state(cpu);
	__atomic_fetch_add(&c->parks, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->park_gen, gen, __ATOMIC_RELAXED);
	__atomic_store_n(&c->state, CPU_PARKED, __ATOMIC_RELEASE);
	int go;
	for (;;) {
		go = __atomic_load_n(&c->go, __ATOMIC_ACQUIRE);
		if (go != GO_STAY)
			break;
		u32 now = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);
		if (now != gen) {
			/*
			 * Released, but the master does not wait for us to
			 * leave: a new session may already be rounding the
			 * CPUs up.  Its NMI is lost on a CPU halted here
			 * outside NMI context (the park IDT swallows it), so
			 * such a CPU stays, under the new generation.  In
			 * NMI context the NMI is held until we return, and
			 * brings us back.
			 */
			if (!from_nmi && roundup_for_me(c, now) &&
			    __atomic_exchange_n(&c->nmi_sent, false, __ATOMIC_ACQ_REL)) {
				gen = now;
				__atomic_store_n(&c->park_gen, gen, __ATOMIC_RELEASE);
				continue;
			}
			go = GO_CONTINUE;
			break;
		}
		/* Sleep at once: the master kicks us awake, which costs a
		 * few microseconds on hardware.  A spinning CPU would take
		 * the bus, or under an emulator the host CPU time the master
		 * needs: with more vCPUs than host cores, spinning slaves
		 * made every stop several times slower. */
		arch_park_wait();
	}
	unpark(c, r, go);
	return go;
}

/*
 * Events a parked slave keeps and reports once it can become master.
 * Breakpoints (int3 and debug-register instruction breakpoints) are not
 * kept: the slave re-runs the instruction and traps again if the
 * breakpoint still exists.  A data watchpoint fires after the access, so
 * it is kept, unless gdb removed that watchpoint meanwhile.
 */
static bool worth_reporting(const struct kstub_stop *st)
{
	switch (st->kind) {
	case KSTUB_STOP_WATCH:
	case KSTUB_STOP_RWATCH:
	case KSTUB_STOP_AWATCH:
		for (int i = 0; i < ARCH_HW_SLOTS; i++)
			if (ks.hw[i].used && ks.hw[i].addr == st->addr)
				return true;
		return false;
	case KSTUB_STOP_TRAP:
	case KSTUB_STOP_FAULT:
	case KSTUB_STOP_PANIC:
		return true;
	default:
		return false;
	}
}

/*
 * A breakpoint or watchpoint hit whose CPU was rounded up on its way in
 * (the NMI came between the trap and in_stub) reaches kstub_enter only
 * after that session: one that may have deleted it (z0, a D).  Entering
 * would stop the kernel for a gdb that did not ask, or that has gone.
 * The CPU goes on instead: a deleted int3 has its bytes back, so it runs
 * the real instruction (as a parked CPU's unreported hit does).
 */
static bool stop_stale(const struct kstub_stop *st, struct arch_regs *r)
{
	switch (st->kind) {
	case KSTUB_STOP_SWBREAK:
		return !bp_known(bp_resume_pc(arch_regs_pc(r)));
	case KSTUB_STOP_WATCH:
	case KSTUB_STOP_RWATCH:
	case KSTUB_STOP_AWATCH:
		return !worth_reporting(st);
	default:
		return false;
	}
}

bool kstub_step_other(int cpu)
{
	struct kstub_cpu *c = &ks.cpu[cpu];
	u32 parks = __atomic_load_n(&c->parks, __ATOMIC_ACQUIRE);
	__atomic_store_n(&c->go, GO_STEP, __ATOMIC_RELEASE);
	port_kick_cpu((unsigned)cpu);
	u64 deadline = port_time_us() + 2000000;
	while (__atomic_load_n(&c->parks, __ATOMIC_ACQUIRE) == parks ||
	       __atomic_load_n(&c->state, __ATOMIC_ACQUIRE) != CPU_PARKED) {
		if (port_time_us() > deadline)
			return false;
		relax();
	}
	return true;
}

static void release_all(int me, u64 *t)
{
	u64 t0 = rsp_stats_now();
	bp_insert_all();
	u64 t1 = rsp_stats_now();
	t[STOP_INSERT] = t1 - t0;
	port_stopped(false);
	__atomic_store_n(&accepting, false, __ATOMIC_RELAXED);
	__atomic_fetch_add(&release_gen, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < port_cpu_count(); i++)
		if ((int)i != me &&
		    __atomic_load_n(&ks.cpu[i].state, __ATOMIC_ACQUIRE) == CPU_PARKED)
			port_kick_cpu(i);
	/* The master does not wait for them to leave: waking a halted CPU
	 * can take milliseconds under an emulator with more vCPUs than host
	 * cores, and nothing here needs them gone.  The next session counts
	 * a CPU as stopped only once it parked under its own generation
	 * (wait_parked), and one still here when that session starts stays
	 * for it (park). */
	t[STOP_RELEASE] = rsp_stats_now() - t1;
}

/*
 * The master sends its stop reply while the NMIs it sent are still
 * reaching the other CPUs (gdb reads the reply meanwhile), and finishes
 * the stop before it serves gdb's first packet: every CPU parked, the
 * breakpoints out of the text.
 */
static bool roundup_pending, stop_cleanup_pending;
static u64 stop_t[STOP_PHASES], stop_t0, stop_t2;

void kstub_stop_finish(void)
{
	if (!stop_cleanup_pending)
		return;
	stop_cleanup_pending = false;
	if (roundup_pending) {
		roundup_pending = false;
		wait_parked((int)port_cpu_id());
	}
	u64 t1 = rsp_stats_now();
	bp_remove_all();
	stop_t2 = rsp_stats_now();
	stop_t[STOP_ROUNDUP] = t1 - stop_t0;
	stop_t[STOP_REMOVE] = stop_t2 - t1;
}

/*
 * Leave the stub (in_stub off).  A roundup NMI that came on our way out
 * was swallowed (kstub_nmi keeps its flag): a session that started
 * meanwhile is waiting for this CPU, so park for it now.
 */
static void leave_stub(unsigned me, struct arch_regs *r, bool stepping)
{
	struct kstub_cpu *c = &ks.cpu[me];
	/* Stepping for the master: the step's trap brings it straight back
	 * (parking now would report a step that never ran). */
	if (stepping) {
		__atomic_store_n(&c->in_stub, false, __ATOMIC_SEQ_CST);
		return;
	}
	for (;;) {
		__atomic_store_n(&c->in_stub, false, __ATOMIC_SEQ_CST);
		u32 gen = __atomic_load_n(&release_gen, __ATOMIC_SEQ_CST);
		if (!roundup_for_me(c, gen) ||
		    !__atomic_load_n(&c->nmi_sent, __ATOMIC_SEQ_CST))
			return;
		/* An NMI now is swallowed; we answer for it. */
		__atomic_store_n(&c->in_stub, true, __ATOMIC_SEQ_CST);
		if (!__atomic_exchange_n(&c->nmi_sent, false, __ATOMIC_ACQ_REL))
			continue;	/* its NMI took us meanwhile */
		if (!roundup_for_me(c, gen))
			continue;
		c->stop.kind = KSTUB_STOP_NONE;
		park(me, r, gen, false);
	}
}

/*
 * Non-stop mode: this CPU stopped alone (a breakpoint, a step, vCont;t)
 * while the others run.  It parks until gdb resumes it, and serves the
 * link meanwhile whenever nobody else does (when every CPU is stopped,
 * someone must).  An all-stop session that starts meanwhile takes it as
 * one of its parked CPUs.  Returns how to go on: GO_CONTINUE or GO_STEP,
 * or GO_MASTER when a packet needs an all-stop session that this CPU
 * must run (an all-stop gdb attached).
 */
static int park_alone(unsigned me, struct arch_regs *r)
{
	struct kstub_cpu *c = &ks.cpu[me];
	c->regs = r;
	arch_save_cpu_state(me);
	c->go = GO_STAY;
	c->ns_inflight = false;
	__atomic_fetch_add(&ks.alone_stops, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->alone, true, __ATOMIC_RELEASE);
	__atomic_store_n(&c->ns_report, true, __ATOMIC_RELEASE);
	__atomic_store_n(&c->state, CPU_PARKED, __ATOMIC_RELEASE);
	/* This stop answers any vCont;t sent before it (gdb hears of this
	 * one, not of a second stop right after it goes on: a step gdb
	 * asked for must end with its own trap). */
	__atomic_store_n(&c->stop_req, false, __ATOMIC_RELEASE);
	int go;
	for (;;) {
		go = __atomic_load_n(&c->go, __ATOMIC_ACQUIRE);
		if (go != GO_STAY)
			break;
		u32 gen = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);
		if (roundup_for_me(c, gen) &&
		    __atomic_exchange_n(&c->nmi_sent, false, __ATOMIC_ACQ_REL)) {
			/* An all-stop session: one of its parked CPUs now. */
			__atomic_store_n(&c->alone, false, __ATOMIC_RELEASE);
			c->ns_report = false;
			return park(me, r, gen, false);
		}
		if (__atomic_load_n(&master, __ATOMIC_ACQUIRE) < 0 && link_try(me)) {
			int lr = LIVE_IDLE;
			if (__atomic_load_n(&master, __ATOMIC_ACQUIRE) < 0)
				lr = live_poll(false);
			link_release(me);
			if (lr != LIVE_IDLE) {
				if (lr == LIVE_BREAKIN) {	/* Ctrl-C: reported */
					c->stop.kind = KSTUB_STOP_BREAKIN;
					c->stop.sig = 2;
				}
				go = GO_MASTER;
				break;
			}
		}
		arch_park_wait();
	}
	__atomic_store_n(&c->stop_req, false, __ATOMIC_RELEASE);
	__atomic_store_n(&c->alone, false, __ATOMIC_RELEASE);
	c->ns_report = false;
	if (go == GO_MASTER) {
		c->go = GO_STAY;
		return go;
	}
	arch_resume_fixup(r, c->stop.kind);
	unpark(c, r, go);
	return go;
}

void kstub_ns_resume(unsigned cpu, int go)
{
	struct kstub_cpu *c = &ks.cpu[cpu];
	if (!__atomic_load_n(&c->alone, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&c->go, go, __ATOMIC_RELEASE);
	port_kick_cpu(cpu);
}

void kstub_ns_stop(unsigned cpu)
{
	struct kstub_cpu *c = &ks.cpu[cpu];
	if (__atomic_load_n(&c->state, __ATOMIC_ACQUIRE) == CPU_PARKED)
		return;
	__atomic_store_n(&c->stop_req, true, __ATOMIC_RELEASE);
	if (cpu != port_cpu_id()) {	/* ourselves: kstub_poll stops on exit */
		__atomic_store_n(&c->ns_nmi, true, __ATOMIC_RELEASE);
		port_nmi_cpu(cpu);
	}
}

/* Become master, or park under the current one.  Returns true when this
 * CPU is master; false when it parked and was released (*go says how). */
static bool join_session(unsigned me, struct arch_regs *r, int *go)
{
	struct kstub_cpu *c = &ks.cpu[me];
	for (;;) {
		int expected = -1;
		if (__atomic_compare_exchange_n(&master, &expected, (int)me, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return true;

		u32 gen = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);
		if (!__atomic_load_n(&accepting, __ATOMIC_ACQUIRE)) {
			relax(); /* a session is ending: wait for the next */
			continue;
		}
		*go = park(me, r, gen, false);
		if (*go == GO_STEP || !worth_reporting(&c->stop))
			return false;
		/* Released with an event of our own to report: compete. */
	}
}

void kstub_enter(struct arch_regs *r, const struct kstub_stop *stop)
{
	unsigned me = port_cpu_id();
	struct kstub_cpu *c = &ks.cpu[me];
	int go;

	if (!kstub_enabled() || me >= KSTUB_MAX_CPUS)
		return;
	arch_step_release_irqs(me);
	/* A trap inside the debugger itself (say a watchpoint on memory gdb
	 * asked us to read) is ignored. */
	if (__atomic_load_n(&master, __ATOMIC_ACQUIRE) == (int)me)
		return;
	c->in_stub = true;
	/*
	 * A break-in or attach the Ctrl-C poller saw is stale if a session
	 * ran since: this CPU was rounded up (NMI) on its way here, or two
	 * pollers saw the same pushed-back '$'.  Its byte went to that
	 * session; entering now would start a second one that waits for a
	 * gdb which has already detached, with every CPU parked.
	 */
	if ((stop->kind == KSTUB_STOP_ATTACH || stop->kind == KSTUB_STOP_BREAKIN) &&
	    c->poll_gen != __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE)) {
		leave_stub(me, r, false);
		return;
	}
	if (stop_stale(stop, r)) {
		leave_stub(me, r, false);
		return;
	}
	c->regs = r;
	c->stop = *stop;
	c->step_wanted = false;
	bool for_packet = stop->kind == KSTUB_STOP_ATTACH;
	if (ks.non_stop && stop->kind != KSTUB_STOP_ATTACH &&
	    __atomic_load_n(&master, __ATOMIC_ACQUIRE) < 0) {
		go = park_alone(me, r);
		if (go != GO_MASTER) {
			leave_stub(me, r, go == GO_STEP);
			return;
		}
		/* An all-stop gdb needs a session: run it, for its packet
		 * (no stop reply of ours first: gdb did not resume), or for
		 * its Ctrl-C (a stop reply). */
		for_packet = c->stop.kind != KSTUB_STOP_BREAKIN;
	}
	if (!join_session(me, r, &go)) {
		leave_stub(me, r, go == GO_STEP);
		return;
	}
	/* No watchpoint may fire on the memory gdb reads through us. */
	arch_hw_bp_disable();

	/* Master.  Take the link from the Ctrl-C poller first. */
	link_take(me);
	c->state = CPU_PARKED;
	arch_save_cpu_state(me);
	u64 *t = stop_t;
	memset(stop_t, 0, sizeof(stop_t));
	stop_t0 = rsp_stats_now();
	if (!others_held) {
		__atomic_store_n(&accepting, true, __ATOMIC_RELEASE);
		u32 gen = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);
		for (unsigned i = 0; i < port_cpu_count(); i++) {
			if (i == me)
				continue;
			__atomic_store_n(&ks.cpu[i].nmi_gen, gen, __ATOMIC_RELAXED);
			__atomic_store_n(&ks.cpu[i].nmi_sent, true, __ATOMIC_RELEASE);
		}
		port_roundup_others();
		roundup_pending = true;
	}
	port_stopped(true);
	stop_cleanup_pending = true;
	ks.stop_gdb_wait = 0;
	ks.stop_packets = 0;
	/* gdb assumes a stop selects the stopped thread for 'g'. */
	ks.stop_cpu = (int)me;
	ks.g_cpu = (int)me;
	/* A console line that found the link taken (a CPU's Ctrl-C poll)
	 * waits for the next pump, and the next one after this is the end
	 * of the session: out with it now, it is often the line that says
	 * why we stopped ("waiting for gdb").  Not when gdb's packet is in
	 * the UART: its 16-byte FIFO would overflow while we write. */
	if (!for_packet)
		console_pump(me);

	bool report = !for_packet;
	for (;;) {
		enum session_end end = rsp_session(report);
		report = true;
		if (end == END_STEP && ks.step_cpu != (int)me) {
			if (!kstub_step_other(ks.step_cpu))
				port_log("kstub: step did not complete");
			ks.stop_cpu = ks.step_cpu;
			ks.g_cpu = ks.step_cpu;
			ks.cpu[ks.step_cpu].stop.kind = KSTUB_STOP_STEP;
			ks.cpu[ks.step_cpu].stop.sig = 5;
			continue;
		}
		t[STOP_SESSION] = rsp_stats_now() - stop_t2;
		t[STOP_GDB] = ks.stop_gdb_wait;
		arch_hw_bp_load(ks.hw);
		arch_resume_fixup(r, c->stop.kind);
		arch_regs_set_pc(r, bp_resume_pc(arch_regs_pc(r)));
		if (end == END_STEP) {
			/* Step this CPU with the others held. */
			c->step_wanted = true;
			tp_step_cancel(me);
			arch_set_step(r, true);
			arch_step_hold_irqs(r, me);
			others_held = true;
		} else {
			arch_set_step(r, tp_step_active(me) && arch_frame_tf(r));
			others_held = false;
			/* A CPU stepped on our behalf has had its stop reported;
			 * after a detach nobody wants the others' pending ones. */
			if (ks.stop_cpu != (int)me)
				ks.cpu[ks.stop_cpu].stop.kind = KSTUB_STOP_NONE;
			if (end == END_DETACH)
				for (unsigned i = 0; i < port_cpu_count(); i++)
					if (i != me)
						ks.cpu[i].stop.kind = KSTUB_STOP_NONE;
			release_all((int)me, t);
		}
		rsp_stats_stop(t, ks.stop_packets);
		/* gdb now waits for a stop: 'O' packets are allowed (after a
		 * detach, raw text). */
		ks.waits_stop = end != END_DETACH;
		console_pump(me);
		break;
	}
	c->stop.kind = KSTUB_STOP_NONE;
	c->state = CPU_RUNNING;
	__atomic_store_n(&link_lock, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&master, -1, __ATOMIC_RELEASE);
	leave_stub(me, r, others_held);
}

bool kstub_nmi(struct arch_regs *r)
{
	unsigned me = port_cpu_id();
	if (!kstub_enabled() || me >= KSTUB_MAX_CPUS)
		return false;
	arch_step_release_irqs(me);
	struct kstub_cpu *c = &ks.cpu[me];
	bool ns_nmi = __atomic_exchange_n(&c->ns_nmi, false, __ATOMIC_ACQ_REL);
	/* A CPU in the stub is parked, on its way in or on its way out:
	 * any NMI is ours.  The flag stays: park() and leave_stub() answer
	 * a roundup this CPU would otherwise miss. */
	if (c->in_stub)
		return true;
	/* Non-stop: gdb asked this CPU to stop (vCont;t).  Not while it
	 * holds the link or the console's held text (a console write): it
	 * would park with them, and nobody could serve gdb.  The flag
	 * stays for the end of its next tick (kstub_poll). */
	if (__atomic_load_n(&c->stop_req, __ATOMIC_ACQUIRE) && ks.non_stop &&
	    !__atomic_load_n(&c->nmi_sent, __ATOMIC_ACQUIRE)) {
		if (__atomic_load_n(&link_lock, __ATOMIC_ACQUIRE) == me + 1 ||
		    __atomic_load_n(&held_lock, __ATOMIC_ACQUIRE) == me + 1)
			return true;
		__atomic_store_n(&c->stop_req, false, __ATOMIC_RELEASE);
		struct kstub_stop st = { .kind = KSTUB_STOP_STOPPED, .sig = 0 };
		kstub_enter(r, &st);
		return true;
	}
	/* Otherwise only NMIs a master sent are ours, and one sent for a
	 * vCont;t that another stop answered first.  (With a roundup NMI
	 * too, the all-stop session goes first; a stop request stays for
	 * the end of a tick after it.) */
	if (!__atomic_exchange_n(&c->nmi_sent, false, __ATOMIC_ACQ_REL))
		return ns_nmi;
	u32 gen = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);
	if (!roundup_for_me(c, gen))
		return true;	/* late: its session is over */
	c->in_stub = true;
	c->stop.kind = KSTUB_STOP_NONE;
	park(me, r, gen, true);
	c->in_stub = false;
	return true;
}

/* The poller's look at the link, with it held: a Ctrl-C, or gdb's
 * packets for the live server; *st says when a session must start. */
static void poll_link(struct kstub_stop *st)
{
	int ch = ks.conn.pushback >= 0 ? ks.conn.pushback : ks.conn.t->getc(0);
	ks.conn.pushback = -1;
	if (ch == 0x03 && !ks.non_stop) {
		st->kind = KSTUB_STOP_BREAKIN;
		st->sig = 2; /* SIGINT */
	} else if (ch == '$' || (ch < 0 && ks.non_stop && ks.attached)) {
		/* A gdb starting a session (or re-attaching after D), or a
		 * non-stop gdb: served while the CPUs run, until a packet
		 * needs them stopped. */
		if (ch == '$')
			ks.conn.pushback = '$';
		int lr = live_poll(true);
		if (lr == LIVE_NEED_STOP) {
			st->kind = KSTUB_STOP_ATTACH;
			st->sig = 5;
		} else if (lr == LIVE_BREAKIN) {
			st->kind = KSTUB_STOP_BREAKIN;
			st->sig = 2;
		}
	}
}

/* Ctrl-C poller: reads the link only while no master owns it. */
void kstub_poll(struct arch_regs *r)
{
	unsigned me = port_cpu_id();
	if (!kstub_enabled() || kstub_is_active() || me >= KSTUB_MAX_CPUS)
		return;
	struct kstub_stop st = { 0 };
	if (link_try(me)) {
		ks.cpu[me].poll_gen = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);
		if (!kstub_is_active())
			poll_link(&st);
		if (st.kind == KSTUB_STOP_NONE && !kstub_is_active())
			console_pump(me);
		link_release(me);
	}
	/* gdb asked to stop the CPU serving it (an NMI to ourselves would
	 * not do), or the NMI came while this CPU held the link: stop here,
	 * on the way out of the tick. */
	if (st.kind == KSTUB_STOP_NONE &&
	    __atomic_exchange_n(&ks.cpu[me].stop_req, false, __ATOMIC_ACQ_REL) &&
	    ks.non_stop) {
		st.kind = KSTUB_STOP_STOPPED;
		st.sig = 0;
	}
	if (st.kind != KSTUB_STOP_NONE)
		kstub_enter(r, &st);
}

/*
 * The console on the link (kstub=ttyS0 with the console on COM1): every
 * byte of it goes out with the link held, so no line lands inside a
 * packet of the live server or a session.  It goes out raw while no gdb
 * is attached, as 'O' packets while an all-stop gdb waits for a stop, and
 * is held otherwise (gdb being served, non-stop mode), up to `held`;
 * past that it is counted as lost.  Held text goes out at the next moment
 * it can: the next console line, the end of a session, or the end of a
 * tick of the Ctrl-C poller.
 */

static bool held_take(unsigned me)
{
	u32 z = 0;
	return __atomic_compare_exchange_n(&held_lock, &z, me + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static void held_drop(void)
{
	__atomic_store_n(&held_lock, 0, __ATOMIC_RELEASE);
}

/* Append to the held text.  Console writers only (IRQs off). */
static void held_add(unsigned me, const char *s, size_t n)
{
	/* The holder copies at most 1 KiB; a CPU stopped in there (an
	 * all-stop roundup) leaves us nowhere to put the text. */
	u32 spins = 0;
	while (!held_take(me)) {
		if (++spins > 1000000) {
			ks.console_lost += (u32)n;
			return;
		}
		relax();
	}
	size_t k = MIN(n, sizeof(held) - held_len);
	memcpy(held + held_len, s, k);
	held_len += k;
	ks.console_lost += (u32)(n - k);
	held_drop();
}

static void send_console_o(const char *s, size_t n)
{
	char body[1 + 2 * 128];
	while (n) {
		size_t k = n > 128 ? 128 : n;
		body[0] = 'O';
		rsp_hex_encode((const u8 *)s, k, body + 1);
		rsp_send_noack(&ks.conn, body, 1 + 2 * k);
		s += k;
		n -= k;
	}
}

/* As a UART console prints it: CR before each LF. */
static void send_console_raw(const char *s, size_t n)
{
	u8 buf[128];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k + 2 > sizeof(buf)) {
			ks.conn.t->write(buf, k);
			k = 0;
		}
		if (s[i] == '\n')
			buf[k++] = '\r';
		buf[k++] = (u8)s[i];
	}
	if (k)
		ks.conn.t->write(buf, k);
}

/*
 * With the link held, between packets: the held text out, if gdb can
 * take it now.  After a detach nobody reads 'O' packets, so raw text.
 */
static void console_pump(unsigned me)
{
	if (!ks.console_on_link || !__atomic_load_n(&held_len, __ATOMIC_RELAXED))
		return;
	bool raw = !ks.attached;
	if (!raw && (!ks.waits_stop || ks.non_stop))
		return;
	if (!held_take(me))
		return;		/* a writer is adding: the next pump */
	char text[sizeof(held)];
	size_t n = held_len;
	memcpy(text, held, n);
	held_len = 0;
	held_drop();
	if (raw)
		send_console_raw(text, n);
	else
		send_console_o(text, n);
}

bool kstub_console_out(const char *s, size_t n)
{
	if (!ks.console_on_link)
		return false;
	unsigned me = port_cpu_id();
	if (me >= KSTUB_MAX_CPUS)
		return false;
	held_add(me, s, n);
	/* The link busy (a session, the live server): held until it is
	 * free.  A trap inside this section (a breakpoint in the UART
	 * code) finds the link ours: see link_take(). */
	if (link_try(me)) {
		if (!kstub_link_in_use())
			console_pump(me);
		link_release(me);
	}
	return true;
}
