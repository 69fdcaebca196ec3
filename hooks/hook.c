/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * The hook layer (hooks/hook.h): hook points, exits in priority order,
 * atomic arming of hooks and sets, probes' bookkeeping.
 *
 * Fixed tables, filled at boot (static sites) or by the registration
 * functions; nothing is allocated on a hot path.  Readers (the dispatch
 * paths, on any CPU, IRQs off) take no lock; writers hold hook_lock.
 *
 * Reclamation: an exit array, an exit, a probe record or a hook record
 * that readers may still hold is RETIRED, not freed; it becomes FREE
 * after a sync round (port_sync_others), because every reader runs with
 * IRQs off from the moment it loads a pointer until it is done with it,
 * so a CPU that has taken the sync IPI holds no old pointer.  With the
 * other CPUs parked in the debugger no IPI can be answered: retirement
 * then waits for the next live operation.
 *
 * Arming: a hook's exits run only while its gate is open: its own `live`
 * word (hook_arm) or its set's (hook_set_arm).  Sites are patched to a
 * jump to their out-of-line block (or int3, for probes) before a gate
 * opens, and back to the NOP only after it closed.  So a set is armed by
 * one patch batch (three sync rounds for any number of sites) followed by
 * one release store: other CPUs see every hook of it live or none.  A
 * site caught mid-batch takes the jump (the patch engine emulates it) and
 * finds the gate closed: the same as the NOP.
 */
#include "hook.h"
#include "hook_arch.h"
#include "hook_port.h"
#include "patch.h"
#include "../stub/kstub_port.h"
#include "../lib/string.h"
#ifndef KSTUB_HOSTED
#include "../arch/x86_64/cpu.h"		/* irq_save */
#endif

#define NAME_LEN 32
#define EXIT_NAME_LEN 24
#define HOOK_MAX 256		/* hooks, static and declared */
#define SITE_MAX 2048		/* static sites */
#define PROBE_MAX 64		/* declared hooks (probes) */
#define SET_MAX 16
#define SET_HOOKS_MAX 64
#define EXITS_PER_HOOK 8	/* = ARRAY_SIZE(hook_info.exits) */
#define EXIT_POOL 256
#define EXITV_POOL 256

enum { FREE, USED, RETIRED };

struct hook_exit {
	hook_fn fn;
	void *data;
	int prio;
	u8 state;
	u64 calls;
	char name[EXIT_NAME_LEN];
};

/* An exit array, sorted by prio; replaced whole, never edited live. */
struct hook_exitv {
	u8 state;
	u32 n;
	struct hook_exit *e[EXITS_PER_HOOK];
};

struct hook_set {
	bool used;
	bool armed;
	u32 live;			/* gate of every hook in the set */
	char name[NAME_LEN];
	size_t n;
	struct hook *h[SET_HOOKS_MAX];
};

struct hook_probe {
	u64 addr;			/* lookup key; 0 = not findable */
	u8 state;
	struct hook *hook;
	const char *note;		/* why a jump probe is an int3 one */
	struct arch_probe ap;
};

struct hook {
	u8 state;
	bool is_static;
	bool armed_self;		/* hook_arm() */
	bool patched;			/* its sites hold the armed form */
	bool mark;			/* scratch for patch_hooks() */
	u32 live;			/* gate of hook_arm() */
	const char *name;
	char namebuf[NAME_LEN];
	u64 addr;			/* first site, or the probe's address */
	size_t nsites;
	struct hook_set *set;		/* at most one */
	struct hook_exitv *exits;	/* NULL when none */
	struct hook_probe *probe;	/* declared hooks */
};

struct site {
	u64 addr;
	u64 target;			/* the armed site jumps there */
	struct hook *hook;
	u8 nargs;
	u8 len;
};

static struct hook hooks[HOOK_MAX];
static size_t nhooks;			/* high-water mark in hooks[] */
static struct site sites[SITE_MAX];	/* sorted by address */
static size_t nsites;
static struct hook_probe probes[PROBE_MAX];
static size_t probe_hi;			/* high-water mark in probes[] */
static struct hook_set sets[SET_MAX];
#define OOL_MAX 32
static struct hook_ool {
	int state;
	struct arch_probe ap;
} ools[OOL_MAX];
static struct hook_exit exit_pool[EXIT_POOL];
static struct hook_exitv exitv_pool[EXITV_POOL];
static bool retired_any;		/* something waits for a sync */
static u32 hook_lock;
static bool ready;

/* ---------------------------------------------------------------- */
/* Locking and reclamation                                          */

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* With the other CPUs parked, one of them may hold the lock forever:
 * only try. */
static bool lock(void)
{
	if (port_hooks_parked())
		return !__atomic_exchange_n(&hook_lock, 1, __ATOMIC_ACQUIRE);
	while (__atomic_exchange_n(&hook_lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&hook_lock, __ATOMIC_RELAXED))
			relax();
	return true;
}

static void unlock(void)
{
	__atomic_store_n(&hook_lock, 0, __ATOMIC_RELEASE);
}

static enum patch_mode patch_mode(void)
{
	return port_hooks_parked() ? PATCH_PARKED : PATCH_LIVE;
}

/* Make every RETIRED object FREE, after a sync round.  Parked: later. */
static void reclaim(void)
{
	if (!retired_any || port_hooks_parked())
		return;
	port_sync_others();
	/* Detours released at an earlier round, before this round's. */
	arch_probe_synced();
	for (size_t i = 0; i < EXIT_POOL; i++)
		if (exit_pool[i].state == RETIRED)
			exit_pool[i].state = FREE;
	for (size_t i = 0; i < EXITV_POOL; i++)
		if (exitv_pool[i].state == RETIRED)
			exitv_pool[i].state = FREE;
	for (size_t i = 0; i < PROBE_MAX; i++) {
		if (probes[i].state == RETIRED) {
			arch_probe_release(&probes[i].ap);
			probes[i].state = FREE;
		}
	}
	for (size_t i = 0; i < nhooks; i++)
		if (hooks[i].state == RETIRED)
			hooks[i].state = FREE;
	for (size_t i = 0; i < OOL_MAX; i++) {
		if (ools[i].state == RETIRED) {
			arch_probe_release(&ools[i].ap);
			ools[i].state = FREE;
		}
	}
	retired_any = arch_probe_cooling();	/* another round for those */
}

void hook_reclaim(void)
{
	if (!__atomic_load_n(&retired_any, __ATOMIC_RELAXED) || port_hooks_parked())
		return;
	if (!lock())
		return;
	reclaim();
	unlock();
}

/* An object from a pool; reclaims once if the pool is dry. */
#define POOL_GET(pool, n, out)                                   \
	do {                                                     \
		(out) = 0;                                       \
		for (int pass = 0; pass < 2 && !(out); pass++) { \
			for (size_t i_ = 0; i_ < (n); i_++) {    \
				if ((pool)[i_].state == FREE) {  \
					(out) = &(pool)[i_];     \
					break;                   \
				}                                \
			}                                        \
			if (!(out))                              \
				reclaim();                       \
		}                                                \
	} while (0)

static void retire_exitv(struct hook_exitv *v)
{
	if (v) {
		v->state = RETIRED;
		retired_any = true;
	}
}

/* ---------------------------------------------------------------- */
/* Lookup                                                           */

static struct hook *find_hook(const char *name)
{
	for (size_t i = 0; i < nhooks; i++)
		if (__atomic_load_n(&hooks[i].state, __ATOMIC_ACQUIRE) == USED &&
		    !strcmp(hooks[i].name, name))
			return &hooks[i];
	return 0;
}

static struct hook_set *find_set(const char *name)
{
	for (size_t i = 0; i < SET_MAX; i++)
		if (sets[i].used && !strcmp(sets[i].name, name))
			return &sets[i];
	return 0;
}

/* The static site that starts at addr, or NULL. */
static const struct site *find_site(u64 addr)
{
	size_t lo = 0, hi = nsites;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sites[mid].addr == addr)
			return &sites[mid];
		if (sites[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Does [addr, addr + 1) fall inside some static site? */
static bool in_site(u64 addr)
{
	size_t lo = 0, hi = nsites;
	while (lo < hi) {	/* first site with addr > addr */
		size_t mid = lo + (hi - lo) / 2;
		if (sites[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && addr < sites[lo - 1].addr + sites[lo - 1].len;
}

static inline __attribute__((always_inline)) bool is_live(const struct hook *h)
{
	if (__atomic_load_n(&h->live, __ATOMIC_ACQUIRE))
		return true;
	const struct hook_set *s = __atomic_load_n(&h->set, __ATOMIC_RELAXED);
	return s && __atomic_load_n(&s->live, __ATOMIC_ACQUIRE);
}

/* ---------------------------------------------------------------- */
/* Dispatch (any CPU, IRQs off, no locks)                           */

static inline __attribute__((always_inline)) void run_exits(struct hook *h,
							   const struct hook_args *args)
{
	const struct hook_exitv *v = __atomic_load_n(&h->exits, __ATOMIC_ACQUIRE);
	if (!v)
		return;
	for (u32 i = 0; i < v->n; i++) {
		struct hook_exit *e = v->e[i];
		__atomic_fetch_add(&e->calls, 1, __ATOMIC_RELAXED);
		e->fn(args, e->data);
	}
}

#ifdef KSTUB_HOSTED
static inline u64 irq_save(void) { return 0; }	/* no CPUs to sync with */
static inline void irq_restore(u64 f) { (void)f; }
#endif

/* Static hook records are never freed, so ref->hook needs no protection;
 * the exit array does: IRQs off from its load to the last exit. */
void hook_fire(struct hook_ref *ref, u64 a0, u64 a1, u64 a2, u64 a3)
{
	struct hook *h = ref->hook;
	if (!h)
		return;
	u64 f = irq_save();
	if (is_live(h)) {
		struct hook_args args = { .a = { a0, a1, a2, a3 }, .addr = h->addr };
		run_exits(h, &args);
	}
	irq_restore(f);
}

static struct hook_probe *find_probe(u64 addr);

const struct arch_probe *hook_probe_hit(u64 addr, struct arch_regs *regs)
{
	struct hook_probe *p = find_probe(addr);
	if (!p)
		return 0;
	if (is_live(p->hook)) {
		struct hook_args args = { .regs = regs, .addr = addr };
		run_exits(p->hook, &args);
	}
	return &p->ap;
}

#ifdef KSTUB_HOSTED
static unsigned init_gen;	/* hook_init() calls: a ref from before is stale */

/* HOOK() in hosted builds (arch/x86_64/hook_site.h).  The name is looked
 * up once per site and init; static hooks are never freed. */
void hook_hosted_fire(struct hook_ref *ref, const char *name, unsigned nargs,
		      u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)nargs;		/* the macro passed 0 for the missing ones */
	struct hook *h = ref->hook;
	if (!h || ref->gen != init_gen) {
		h = ready ? find_hook(name) : 0;
		if (!h || !h->is_static)
			return;
		ref->hook = h;
		ref->gen = init_gen;
	}
	if (!is_live(h))
		return;
	struct hook_args args = { .a = { a0, a1, a2, a3 }, .addr = h->addr };
	run_exits(h, &args);
}
#endif

static struct hook_probe *find_probe(u64 addr)
{
	size_t n = __atomic_load_n(&probe_hi, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < n; i++)
		if (__atomic_load_n(&probes[i].addr, __ATOMIC_ACQUIRE) == addr)
			return &probes[i];
	return 0;
}

/*
 * patch_int3 met an op of a batch in flight it cannot emulate itself (a
 * static site's jump it emulates itself): a probe being removed (its
 * first byte going back).  The probe is findable until the batch is
 * over, so its handler runs the displaced instruction out of line.
 * Retrying instead could spin forever with IRQs off while the batch
 * waits for this CPU's sync.
 */
static int emulate_op(const struct patch_op *op, u64 *pc)
{
	(void)pc;
	return find_probe(op->addr) ? -1 : 0;
}

/* Addresses of the last removed probes, for hook_owns_addr(). */
static u64 old_probes[64];
static unsigned old_probes_next;

bool hook_owns_addr(u64 addr)
{
	if (find_site(addr))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(old_probes); i++)
		if (__atomic_load_n(&old_probes[i], __ATOMIC_RELAXED) == addr)
			return true;
	return false;
}

bool hook_probe_orig(u64 addr, u8 *byte)
{
	const struct hook_probe *p = find_probe(addr);
	if (!p || !p->hook->patched)
		return false;
	*byte = p->ap.orig[0];
	return true;
}

/* ---------------------------------------------------------------- */
/* Init                                                             */

static struct hook *new_hook(void)
{
	struct hook *h = 0;
	for (size_t i = 0; i < nhooks && !h; i++)
		if (hooks[i].state == FREE)
			h = &hooks[i];
	if (!h && retired_any) {
		reclaim();
		for (size_t i = 0; i < nhooks && !h; i++)
			if (hooks[i].state == FREE)
				h = &hooks[i];
	}
	if (!h && nhooks < HOOK_MAX)
		h = &hooks[nhooks++];
	if (h)
		memset(h, 0, sizeof(*h));
	return h;
}

void hook_init(void)
{
	size_t n;
	const struct hook_site_desc *d = arch_hook_sites(&n);

	for (size_t i = 0; i < n; i++) {
		if (nsites == SITE_MAX) {
			port_log("hooks: too many static sites, some ignored");
			break;
		}
		struct hook *h = find_hook(d[i].name);
		if (!h) {
			h = new_hook();
			if (!h) {
				port_log("hooks: too many hooks, some ignored");
				break;
			}
			h->state = USED;
			h->is_static = true;
			h->name = d[i].name;
			h->addr = d[i].addr;
		}
		if (d[i].addr < h->addr)
			h->addr = d[i].addr;
		h->nsites++;
		/* Insert in address order (the descriptors come in link
		 * order, which is nearly address order). */
		size_t j = nsites++;
		while (j && sites[j - 1].addr > d[i].addr) {
			sites[j] = sites[j - 1];
			j--;
		}
		u8 nop[PATCH_MAX_LEN];
		sites[j] = (struct site){ d[i].addr, d[i].target, h, (u8)d[i].nargs,
					  (u8)arch_hook_site_insn(d[i].addr, d[i].target,
								  false, nop) };
		if (d[i].ref)
			d[i].ref->hook = h;
	}
#ifdef KSTUB_HOSTED
	init_gen++;
#endif
	patch_set_emulator(emulate_op);
	ready = true;
}

/* ---------------------------------------------------------------- */
/* Patching                                                         */

static struct patch_op ops[SITE_MAX + PROBE_MAX];

static int add_op(size_t *k, u64 addr, const u8 *want, const u8 *now, size_t len)
{
	u8 cur[PATCH_MAX_LEN];
	if (arch_hook_read(addr, cur, len))
		return HOOK_EIO;
	if (memcmp(cur, now, len))
		return HOOK_EBUSY;	/* not what we left there */
	ops[*k].addr = addr;
	ops[*k].len = (u8)len;
	memcpy(ops[*k].bytes, want, len);
	(*k)++;
	return 0;
}

/*
 * Jump probes armed by patch_hooks() hold their int3 (a CPU that hits it
 * runs all the displaced instructions in the detour, so none enters the
 * bytes after the first).  Now the jmp goes in, in one more batch, for
 * those no CPU or preempted task is inside of; the others stay int3
 * probes (correct, only slower) until armed again, with the reason.
 */
static void jump_in(struct hook *const *hs, size_t n)
{
	size_t k = 0;
	struct hook_probe *who[PROBE_MAX];
	for (size_t i = 0; i < n; i++) {
		struct hook_probe *p = hs[i]->is_static ? 0 : hs[i]->probe;
		if (!p || p->ap.kind != PROBE_JUMP || p->ap.jumped || k == PROBE_MAX)
			continue;
		const struct arch_probe *ap = &p->ap;
		bool busy = true;
		for (int tries = 0; tries < 3 && busy; tries++)
			busy = port_text_busy(ap->addr + 1, ap->addr + ap->jump_len);
		p->note = busy ? "a CPU was inside the covered bytes when armed "
				 "(int3 until armed again)" : 0;
		if (busy)
			continue;
		u8 want[PATCH_MAX_LEN], now[PATCH_MAX_LEN];
		size_t len = arch_probe_jump_insn(ap, true, want);
		arch_probe_jump_insn(ap, false, now);
		if (add_op(&k, ap->addr, want, now, len))
			continue;	/* not what we left: stays int3 */
		who[k - 1] = p;
	}
	if (k && patch_apply(ops, k, patch_mode()) == 0)
		for (size_t i = 0; i < k; i++)
			who[i]->ap.jumped = true;
}

/*
 * Bring every site of hs[0..n) to the armed (or disarmed) form in one
 * batch.  Checks all sites first: returns an error with nothing changed
 * when one of them holds something else (a breakpoint, a half-done
 * write).  Hooks already in that state are skipped.
 */
static int patch_hooks(struct hook *const *hs, size_t n, bool arm)
{
	size_t k = 0;
	bool any_static = false;
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		hs[i]->mark = hs[i]->patched != arm;
		any_static |= hs[i]->mark && hs[i]->is_static;
	}
	for (size_t i = 0; any_static && i < nsites && !err; i++) {
		if (!sites[i].hook->mark)
			continue;
		u8 want[PATCH_MAX_LEN], now[PATCH_MAX_LEN];
		size_t len = arch_hook_site_insn(sites[i].addr, sites[i].target,
						 arm, want);
		arch_hook_site_insn(sites[i].addr, sites[i].target, !arm, now);
		err = add_op(&k, sites[i].addr, want, now, len);
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct hook *h = hs[i];
		if (!h->mark || h->is_static)
			continue;
		u8 want[PATCH_MAX_LEN], now[PATCH_MAX_LEN];
		size_t len = arch_probe_insn(&h->probe->ap, arm, want);
		arch_probe_insn(&h->probe->ap, !arm, now);
		err = add_op(&k, h->addr, want, now, len);
	}
	for (size_t i = 0; i < n; i++)
		hs[i]->mark = false;
	if (err)
		return err;
	if (k && patch_apply(ops, k, patch_mode()))
		return HOOK_EIO;
	for (size_t i = 0; i < n; i++) {
		hs[i]->patched = arm;
		if (!arm && !hs[i]->is_static)
			hs[i]->probe->ap.jumped = false;
	}
	if (arm)
		jump_in(hs, n);
	return 0;
}

/* After a gate closed with no batch to wait for: let every CPU finish
 * the exits it may have entered through the open gate. */
static void sync_quiet(void)
{
	if (!port_hooks_parked())
		port_sync_others();
}

/* ---------------------------------------------------------------- */
/* Public API                                                       */

const char *hook_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case HOOK_EREFUSED: return "refused";
	case HOOK_ENOENT: return "no such hook, exit or set";
	case HOOK_EIO: return "text write failed";
	case HOOK_EBUSY: return "busy (site changed, in another set, set armed, or registry held)";
	case HOOK_EEXIST: return "already exists";
	case HOOK_EINVAL: return "invalid argument";
	case HOOK_ENOSPC: return "table full";
	default: return "error";
	}
}

int hook_exit_register(const char *hook, int prio, hook_fn fn, void *data,
		       const char *exit_name)
{
	if (!hook || !fn)
		return HOOK_EINVAL;
	if (!lock())
		return HOOK_EBUSY;
	int err = 0;
	struct hook *h = find_hook(hook);
	struct hook_exitv *old = h ? h->exits : 0, *nv;
	struct hook_exit *e;
	if (!h) {
		err = HOOK_ENOENT;
		goto out;
	}
	u32 n = old ? old->n : 0;
	for (u32 i = 0; i < n; i++) {
		if (old->e[i]->fn == fn && old->e[i]->data == data) {
			err = HOOK_EEXIST;
			goto out;
		}
	}
	if (n == EXITS_PER_HOOK) {
		err = HOOK_ENOSPC;
		goto out;
	}
	POOL_GET(exit_pool, EXIT_POOL, e);
	if (!e) {
		err = HOOK_ENOSPC;
		goto out;
	}
	e->state = USED;	/* held while we look for an array */
	POOL_GET(exitv_pool, EXITV_POOL, nv);
	if (!nv) {
		e->state = FREE;
		err = HOOK_ENOSPC;
		goto out;
	}
	e->fn = fn;
	e->data = data;
	e->prio = prio;
	e->calls = 0;
	kstr_copy(e->name, exit_name ? exit_name : "?", sizeof(e->name));
	/* Equal priorities run in registration order. */
	u32 j = 0;
	nv->state = USED;
	nv->n = n + 1;
	for (u32 i = 0; i < n && old->e[i]->prio <= prio; i++)
		nv->e[j++] = old->e[i];
	nv->e[j++] = e;
	for (u32 i = j - 1; i < n; i++)
		nv->e[j++] = old->e[i];
	__atomic_store_n(&h->exits, nv, __ATOMIC_RELEASE);
	retire_exitv(old);
	reclaim();
out:
	unlock();
	return err;
}

int hook_exit_unregister(const char *hook, hook_fn fn, void *data)
{
	if (!hook)
		return HOOK_EINVAL;
	if (!lock())
		return HOOK_EBUSY;
	int err = HOOK_ENOENT;
	struct hook *h = find_hook(hook);
	struct hook_exitv *old = h ? h->exits : 0, *nv = 0;
	u32 n = old ? old->n : 0, at = n;
	for (u32 i = 0; i < n; i++)
		if (old->e[i]->fn == fn && old->e[i]->data == data)
			at = i;
	if (at == n)
		goto out;
	if (n > 1) {
		POOL_GET(exitv_pool, EXITV_POOL, nv);
		if (!nv) {
			err = HOOK_ENOSPC;
			goto out;
		}
		nv->state = USED;
		nv->n = 0;
		for (u32 i = 0; i < n; i++)
			if (i != at)
				nv->e[nv->n++] = old->e[i];
	}
	__atomic_store_n(&h->exits, nv, __ATOMIC_RELEASE);
	old->e[at]->state = RETIRED;
	retire_exitv(old);
	reclaim();
	err = 0;
out:
	unlock();
	return err;
}

/*
 * Arming and disarming, for one hook (hook_arm: its own gate) or a set
 * (hook_set_arm: one gate for all its hooks).  Arm: patch every site,
 * then open the gate.  Disarm: close the gate, then unpatch the hooks no
 * one else keeps armed (a hook armed by itself and in an armed set).
 * Under the lock.
 */
static int arm(struct hook **hs, size_t n, bool *armed, u32 *live)
{
	int err = 0;
	if (!*armed && !(err = patch_hooks(hs, n, true))) {
		*armed = true;
		__atomic_store_n(live, 1, __ATOMIC_RELEASE);
	}
	return err;
}

static bool kept_armed(const struct hook *h)
{
	return h->armed_self || (h->set && h->set->armed);
}

static int disarm(struct hook **hs, size_t n, bool *armed, u32 *live)
{
	if (!*armed)
		return 0;
	__atomic_store_n(live, 0, __ATOMIC_RELEASE);
	*armed = false;
	struct hook *unpatch[SET_HOOKS_MAX];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!kept_armed(hs[i]) && hs[i]->patched)
			unpatch[k++] = hs[i];
	int err = 0;
	if (!k || (err = patch_hooks(unpatch, k, false)))
		sync_quiet();	/* gate closed; sites stay (harmless) */
	return err;
}

int hook_arm(const char *hook)
{
	if (!hook)
		return HOOK_EINVAL;
	if (!lock())
		return HOOK_EBUSY;
	struct hook *h = find_hook(hook);
	int err = h ? arm(&h, 1, &h->armed_self, &h->live) : HOOK_ENOENT;
	unlock();
	return err;
}

int hook_disarm(const char *hook)
{
	if (!hook)
		return HOOK_EINVAL;
	if (!lock())
		return HOOK_EBUSY;
	struct hook *h = find_hook(hook);
	int err = h ? disarm(&h, 1, &h->armed_self, &h->live) : HOOK_ENOENT;
	unlock();
	return err;
}

bool hook_is_armed(const char *hook)
{
	if (!hook)
		return false;
	/* Read-only: no lock (the debugger may ask with a CPU parked in
	 * a registration function). */
	struct hook *h = find_hook(hook);
	return h && is_live(h);
}

int hook_set_define(const char *set, const char *const *names, size_t n)
{
	if (!set || (n && !names))
		return HOOK_EINVAL;
	if (n > SET_HOOKS_MAX)
		return HOOK_ENOSPC;
	if (!lock())
		return HOOK_EBUSY;
	int err = 0;
	struct hook *hs[SET_HOOKS_MAX];
	struct hook_set *s = find_set(set);
	if (s && s->armed) {
		err = HOOK_EBUSY;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		hs[i] = names[i] ? find_hook(names[i]) : 0;
		if (!hs[i]) {
			err = HOOK_ENOENT;
			goto out;
		}
		if (hs[i]->set && hs[i]->set != s) {
			err = HOOK_EBUSY;
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if (hs[j] == hs[i]) {
				err = HOOK_EINVAL;
				goto out;
			}
	}
	if (!s) {
		for (size_t i = 0; i < SET_MAX && !s; i++)
			if (!sets[i].used)
				s = &sets[i];
		if (!s) {
			err = HOOK_ENOSPC;
			goto out;
		}
		memset(s, 0, sizeof(*s));
		kstr_copy(s->name, set, sizeof(s->name));
		s->used = true;
	}
	/* The set is disarmed (its gate closed): members may move. */
	for (size_t i = 0; i < s->n; i++)
		__atomic_store_n(&s->h[i]->set, (struct hook_set *)0, __ATOMIC_RELAXED);
	for (size_t i = 0; i < n; i++) {
		s->h[i] = hs[i];
		__atomic_store_n(&hs[i]->set, s, __ATOMIC_RELAXED);
	}
	s->n = n;
out:
	unlock();
	return err;
}

int hook_set_arm(const char *set)
{
	if (!set)
		return HOOK_EINVAL;
	if (!lock())
		return HOOK_EBUSY;
	struct hook_set *s = find_set(set);
	int err = s ? arm(s->h, s->n, &s->armed, &s->live) : HOOK_ENOENT;
	unlock();
	return err;
}

int hook_set_disarm(const char *set)
{
	if (!set)
		return HOOK_EINVAL;
	if (!lock())
		return HOOK_EBUSY;
	struct hook_set *s = find_set(set);
	int err = s ? disarm(s->h, s->n, &s->armed, &s->live) : HOOK_ENOENT;
	unlock();
	return err;
}

int hook_ool_get(u64 addr, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = 0;
	if (!port_is_text(addr, 1)) {
		*why = "not in kernel text";
		return HOOK_EREFUSED;
	}
	if (port_is_noprobe(addr)) {
		*why = port_is_noprobe(addr);
		return HOOK_EREFUSED;
	}
	if (!lock())
		return HOOK_EBUSY;
	int err = 0;
	struct hook_ool *o = 0;
	if (in_site(addr)) {
		err = HOOK_EREFUSED;
		*why = "a static hook site";
		goto out;
	}
	/* gdb takes its breakpoints out at every stop and puts them back
	 * before resuming: a copy of the same address given back in this
	 * stop is taken again (with every CPU parked nothing is reclaimed). */
	for (size_t i = 0; i < OOL_MAX && !o; i++)
		if (ools[i].state == RETIRED && ools[i].ap.addr == addr)
			o = &ools[i];
	if (o) {
		o->state = USED;
		goto out;
	}
	POOL_GET(ools, OOL_MAX, o);
	if (!o) {
		err = HOOK_ENOSPC;
		*why = "too many conditional breakpoints";
		goto out;
	}
	err = arch_probe_prepare(addr, &o->ap, why);
	if (err) {
		o = 0;
		goto out;
	}
	o->state = USED;
out:
	unlock();
	return o ? (int)(o - ools) : err;
}

bool hook_ool_run(int handle, u64 addr, struct arch_regs *r)
{
	if (handle < 0 || handle >= OOL_MAX || ools[handle].state != USED ||
	    ools[handle].ap.addr != addr)
		return false;
	arch_probe_resume(&ools[handle].ap, r);
	return true;
}

void hook_ool_put(int handle)
{
	if (handle < 0 || handle >= OOL_MAX || ools[handle].state != USED)
		return;
	/* A CPU may still be in the copy (parked by an NMI inside it):
	 * free after a sync, like a probe's slot. */
	ools[handle].state = RETIRED;
	retired_any = true;
}

/* A jump probe whose jmp covers addr (at or after its first byte). */
static const struct hook_probe *jump_over(u64 addr)
{
	for (size_t i = 0; i < probe_hi; i++) {
		const struct hook_probe *q = &probes[i];
		if (q->state == USED && q->ap.kind == PROBE_JUMP &&
		    addr >= q->ap.addr && addr < q->ap.addr + q->ap.jump_len)
			return q;
	}
	return 0;
}

bool hook_in_jump(u64 addr)
{
	return jump_over(addr) != 0;
}

/* A jump probe's covered bytes hold no site, probe or other jump. */
static const char *jump_clear(const struct arch_probe *ap)
{
	for (u64 a = ap->addr; a < ap->addr + ap->jump_len; a++) {
		if (in_site(a))
			return "a static hook site among the displaced bytes";
		if (a > ap->addr && find_probe(a))
			return "another probe among the displaced bytes";
	}
	return 0;
}

static int declare_probe(const char *name, u64 addr, bool jump, const char **why);

int hook_declare_at(const char *name, u64 addr, const char **why)
{
	return declare_probe(name, addr, false, why);
}

int hook_declare_jump(const char *name, u64 addr, const char **why)
{
	return declare_probe(name, addr, true, why);
}

static int declare_probe(const char *name, u64 addr, bool jump, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = 0;
	if (!name || !*name || !addr)
		return HOOK_EINVAL;
	if (!lock())
		return HOOK_EBUSY;
	int err = 0;
	struct hook_probe *p = 0;
	struct hook *h;
	if (find_hook(name)) {
		err = HOOK_EEXIST;
		*why = "name in use";
		goto out;
	}
	for (size_t i = 0; i < probe_hi; i++) {
		if (probes[i].state == USED && probes[i].addr == addr) {
			err = HOOK_EEXIST;
			*why = "already probed";
			goto out;
		}
	}
	if (!port_is_text(addr, 1)) {
		err = HOOK_EREFUSED;
		*why = "not in kernel text";
		goto out;
	}
	if (port_is_noprobe(addr)) {
		err = HOOK_EREFUSED;
		*why = port_is_noprobe(addr);
		goto out;
	}
	if (in_site(addr)) {
		err = HOOK_EREFUSED;
		*why = "a static hook site";
		goto out;
	}
	if (jump_over(addr)) {
		err = HOOK_EREFUSED;
		*why = "inside the jmp of a jump-optimized probe";
		goto out;
	}
	POOL_GET(probes, PROBE_MAX, p);
	if (!p) {
		err = HOOK_ENOSPC;
		*why = "too many probes";
		goto out;
	}
	memset(p, 0, sizeof(*p));
	/* A jump where it is proven safe, else the int3 form, with the
	 * reason kept for the listing. */
	if (jump && !arch_probe_prepare_jump(addr, &p->ap, why) &&
	    (*why = jump_clear(&p->ap)) != 0) {
		arch_probe_release(&p->ap);	/* cools, though unused */
		retired_any = true;
		memset(&p->ap, 0, sizeof(p->ap));
	}
	if (p->ap.kind != PROBE_JUMP) {
		const char *note = jump ? *why : 0;
		if (arch_probe_prepare(addr, &p->ap, why)) {
			err = HOOK_EREFUSED;
			goto out;
		}
		p->note = note;
		*why = note;
	}
	h = new_hook();
	if (!h) {
		arch_probe_release(&p->ap);
		err = HOOK_ENOSPC;
		*why = "too many hooks";
		goto out;
	}
	kstr_copy(h->namebuf, name, sizeof(h->namebuf));
	h->name = h->namebuf;
	h->addr = addr;
	h->nsites = 1;
	h->probe = p;
	__atomic_store_n(&h->state, USED, __ATOMIC_RELEASE);
	p->hook = h;
	p->state = USED;
	size_t idx = (size_t)(p - probes);
	if (idx >= probe_hi)
		__atomic_store_n(&probe_hi, idx + 1, __ATOMIC_RELEASE);
	/* Findable from now on; its int3 comes with hook_arm(). */
	__atomic_store_n(&p->addr, addr, __ATOMIC_RELEASE);
out:
	unlock();
	return err;
}

int hook_undeclare(const char *name)
{
	if (!name)
		return HOOK_EINVAL;
	if (!lock())
		return HOOK_EBUSY;
	int err = 0;
	struct hook *h = find_hook(name);
	if (!h) {
		err = HOOK_ENOENT;
		goto out;
	}
	if (h->is_static) {
		err = HOOK_EINVAL;
		goto out;
	}
	__atomic_store_n(&h->live, 0, __ATOMIC_RELEASE);
	h->armed_self = false;
	if (h->patched && (err = patch_hooks(&h, 1, false)))
		goto out;	/* its int3 is still there: keep the probe */
	struct hook_set *s = h->set;
	if (s) {
		size_t j = 0;
		for (size_t i = 0; i < s->n; i++)
			if (s->h[i] != h)
				s->h[j++] = s->h[i];
		s->n = j;
		__atomic_store_n(&h->set, (struct hook_set *)0, __ATOMIC_RELAXED);
	}
	/* No CPU can reach its int3 any more; those that did are done
	 * after the next sync. */
	struct hook_probe *p = h->probe;
	__atomic_store_n(&old_probes[old_probes_next++ % ARRAY_SIZE(old_probes)],
			 p->addr, __ATOMIC_RELAXED);
	__atomic_store_n(&p->addr, 0, __ATOMIC_RELEASE);
	p->state = RETIRED;
	struct hook_exitv *v = h->exits;
	if (v) {
		for (u32 i = 0; i < v->n; i++)
			v->e[i]->state = RETIRED;
		retire_exitv(v);
	}
	h->state = RETIRED;
	retired_any = true;
	reclaim();
out:
	unlock();
	return err;
}

void hook_for_each(void (*fn)(const struct hook_info *info, void *data),
		   void *data)
{
	static struct hook *order[HOOK_MAX];
	bool locked = lock();	/* parked and busy: read anyway */
	size_t n = 0;
	for (size_t i = 0; i < nhooks; i++) {
		if (hooks[i].state != USED)
			continue;
		size_t j = n++;
		while (j && strcmp(order[j - 1]->name, hooks[i].name) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = &hooks[i];
	}
	for (size_t i = 0; i < n; i++) {
		const struct hook *h = order[i];
		struct hook_info info;
		memset(&info, 0, sizeof(info));
		info.name = h->name;
		info.addr = h->addr;
		info.is_static = h->is_static;
		info.armed = is_live(h);
		info.set = h->set ? h->set->name : 0;
		info.nsites = h->nsites;
		info.kind = h->is_static ? "static" :
			    h->probe->ap.kind == PROBE_JUMP ? "jump" : "int3";
		info.note = h->is_static ? 0 : h->probe->note;
		const struct hook_exitv *v = h->exits;
		info.nexits = v ? v->n : 0;
		for (size_t k = 0; k < info.nexits && k < ARRAY_SIZE(info.exits); k++) {
			info.exits[k].name = v->e[k]->name;
			info.exits[k].prio = v->e[k]->prio;
			info.exits[k].calls =
				__atomic_load_n(&v->e[k]->calls, __ATOMIC_RELAXED);
		}
		fn(&info, data);
	}
	if (locked)
		unlock();
}
