/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/* Bump page allocator over the RAM after the kernel image.  Nothing is
 * ever freed: tasks and stacks are created at boot. */
#include "kernel.h"
#include "spinlock.h"

static spinlock_t mem_lock;
static u64 next_free, mem_end;

void mem_init(u64 start, u64 end)
{
	next_free = ALIGN_UP(start, 4096);
	mem_end = end;
}

void *kalloc_pages(size_t npages)
{
	u64 f = spin_lock_irqsave(&mem_lock);
	u64 p = next_free;
	if (p + npages * 4096 > mem_end) {
		spin_unlock_irqrestore(&mem_lock, f);
		panic("out of memory allocating %zu pages", npages);
	}
	next_free += npages * 4096;
	spin_unlock_irqrestore(&mem_lock, f);
	memset((void *)p, 0, npages * 4096);
	return (void *)p;
}
