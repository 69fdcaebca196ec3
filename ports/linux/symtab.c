// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * The symbol table gdb's `kstub symbols` reads: Debian ships no
 * System.map, and its -dbg package is 5 GiB installed.  At load, and
 * again after each module load, the kernel's kallsyms (vmlinux and every
 * module, this one included) are packed into one buffer in memory; gdb
 * finds it with `monitor ksyms` (which gives its CRC-32 too: the host
 * caches tables it has read) and reads it with binary memory reads
 * (gdb-scripts/kstub_symbols.py turns it into an ELF).  What gdb reads is
 * a zlib stream of the table (or the table itself if deflating failed).
 * The table (docs/linux.md):
 *   "KSTUBSYM" u32 count u32 bytes (all of it), then per symbol:
 *   u64 address, u8 kind ('T' code, 'D' data), u8 name length, name,
 *   u8 module-name length, module name ("" for vmlinux).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/string.h>
#include <linux/crc32.h>
#include <linux/zlib.h>
#include "kstub_linux.h"

struct pack {
	u8 *buf;
	size_t size, used;
	u32 count;
};

static int (*each_core)(int (*fn)(void *, const char *, struct module *, unsigned long),
			void *data);
static int (*each_mod)(int (*fn)(void *, const char *, struct module *, unsigned long),
		       void *data);

static u8 *blob;
static size_t blob_size;
static u32 blob_count, blob_crc;
static DEFINE_MUTEX(blob_lock);

static int add(void *data, const char *name, struct module *mod, unsigned long addr)
{
	struct pack *p = data;
	size_t n = strnlen(name, 255);
	const char *mname = mod ? mod->name : "";
	size_t mn = strnlen(mname, 255);
	size_t need = 8 + 1 + 1 + n + 1 + mn;
	if (!addr || !n)
		return 0;
	if (p->buf && p->used + need <= p->size) {
		u8 *q = p->buf + p->used;
		bool text = mod ? within_module_core(addr, mod) &&
				  addr < (unsigned long)mod->core_layout.base +
					 mod->core_layout.text_size
				: kl_core_kernel_text(addr);
		memcpy(q, &addr, 8);
		q[8] = text ? 'T' : 'D';
		q[9] = (u8)n;
		memcpy(q + 10, name, n);
		q[10 + n] = (u8)mn;
		memcpy(q + 11 + n, mname, mn);
	}
	p->used += need;
	p->count++;
	return 0;
}

static void walk(struct pack *p)
{
	p->used = 16;
	p->count = 0;
	each_core(add, p);
	if (each_mod)
		each_mod(add, p);
}

/* zlib (built into Debian's kernel): a third of the bytes on a slow
 * line.  Returns a vmalloc'd stream and its length, or NULL. */
static u8 *deflate(const u8 *in, size_t n, size_t *out_n)
{
	struct z_stream_s z = { 0 };
	size_t cap = n + 4096;
	u8 *out = vmalloc(cap);
	z.workspace = vmalloc(zlib_deflate_workspacesize(MAX_WBITS, MAX_MEM_LEVEL));
	if (!out || !z.workspace ||
	    zlib_deflateInit2(&z, 6, Z_DEFLATED, MAX_WBITS, DEF_MEM_LEVEL,
			      Z_DEFAULT_STRATEGY) != Z_OK)
		goto fail;
	z.next_in = in;
	z.avail_in = n;
	z.next_out = out;
	z.avail_out = cap;
	int rc = zlib_deflate(&z, Z_FINISH);
	zlib_deflateEnd(&z);
	if (rc != Z_STREAM_END)
		goto fail;
	vfree(z.workspace);
	*out_n = z.total_out;
	return out;
fail:
	vfree(z.workspace);
	vfree(out);
	return NULL;
}

static int rebuild(void)
{
	struct pack p = { 0 };
	walk(&p);
	/* Room for a few modules more loading meanwhile. */
	p.size = p.used + 65536;
	p.buf = vmalloc(p.size);
	if (!p.buf)
		return -ENOMEM;
	walk(&p);
	if (p.used > p.size) {
		vfree(p.buf);
		return -EAGAIN;
	}
	memcpy(p.buf, "KSTUBSYM", 8);
	memcpy(p.buf + 8, &p.count, 4);
	u32 bytes = (u32)p.used;
	memcpy(p.buf + 12, &bytes, 4);
	size_t zn;
	u8 *z = deflate(p.buf, p.used, &zn);
	if (z) {
		vfree(p.buf);
		p.buf = z;
		p.used = zn;
	}
	u32 crc = ~crc32_le(~0u, p.buf, p.used);	/* zlib's CRC-32 */
	mutex_lock(&blob_lock);
	u8 *old = blob;
	WRITE_ONCE(blob, p.buf);
	WRITE_ONCE(blob_size, p.used);
	WRITE_ONCE(blob_count, p.count);
	WRITE_ONCE(blob_crc, crc);
	mutex_unlock(&blob_lock);
	/* gdb reads the table only while the kernel is stopped, and this
	 * runs while it is not: nobody is in the old one. */
	vfree(old);
	return 0;
}

static void rebuild_work(struct work_struct *w)
{
	(void)w;
	if (rebuild())
		pr_warn("kstub: symbol table not refreshed after a module load\n");
	else
		pr_info("kstub: symbol table refreshed: %u symbols\n", READ_ONCE(blob_count));
}
static DECLARE_WORK(refresh, rebuild_work);

static int mod_event(struct notifier_block *nb, unsigned long state, void *data)
{
	(void)nb;
	/* Our own going live: the table was built a moment ago. */
	if (data == THIS_MODULE)
		return NOTIFY_DONE;
	if (state == MODULE_STATE_LIVE || state == MODULE_STATE_GOING)
		schedule_work(&refresh);
	return NOTIFY_DONE;
}
static struct notifier_block mod_nb = { .notifier_call = mod_event };

int kl_symtab_init(void)
{
	*(unsigned long *)&each_core = kl_lookup("kallsyms_on_each_symbol");
	*(unsigned long *)&each_mod = kl_lookup("module_kallsyms_on_each_symbol");
	if (!each_core) {
		pr_err("kstub: kernel symbol kallsyms_on_each_symbol not found\n");
		return -ENOENT;
	}
	int err = rebuild();
	if (err)
		return err;
	register_module_notifier(&mod_nb);
	return 0;
}

void kl_symtab_exit(void)
{
	unregister_module_notifier(&mod_nb);
	cancel_work_sync(&refresh);
	vfree(blob);
	blob = NULL;
}

void kl_symtab_where(u64 *addr, u64 *size, u32 *count, u32 *crc)
{
	*crc = READ_ONCE(blob_crc);
	*addr = (u64)READ_ONCE(blob);
	*size = READ_ONCE(blob_size);
	*count = READ_ONCE(blob_count);
}
