/* Probes: not yet (the hook layer's static sites come first). */
#include "../../hooks/hook_arch.h"
#include "regs.h"

int arch_probe_prepare(u64 addr, struct arch_probe *p, const char **why)
{
	(void)addr;
	(void)p;
	*why = "probes not implemented yet";
	return -1;
}

void arch_probe_release(struct arch_probe *p)
{
	(void)p;
}

size_t arch_probe_insn(const struct arch_probe *p, bool armed, u8 *out)
{
	out[0] = armed ? 0xcc : p->orig[0];
	return 1;
}

bool probe_int3(struct arch_regs *r)
{
	(void)r;
	return false;
}
