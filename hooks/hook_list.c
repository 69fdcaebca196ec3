/* SPDX-License-Identifier: MIT OR GPL-2.0-only */
/*
 * `monitor hooks`: the hook table as text, one line per hook and one per
 * exit, through an out() callback (the stub's monitor output, or a test).
 */
#include "hook.h"
#include "../lib/fmt.h"
#include "../lib/string.h"

struct list_ctx {
	void (*out)(const char *text);
	const char *filter;
	size_t hooks, armed;
};

static void one(const struct hook_info *h, void *data)
{
	struct list_ctx *c = data;
	char line[160];
	if (c->filter && *c->filter && !kstr_starts(h->name, c->filter))
		return;
	c->hooks++;
	c->armed += h->armed;
	kfmt_snprintf(line, sizeof(line),
		      "%-24s %-6s 0x%016lx sites=%-4zu %-8s set=%-12s exits=%zu\n",
		      h->name, h->kind, h->addr,
		      h->nsites, h->armed ? "ARMED" : "disarmed",
		      h->set ? h->set : "-", h->nexits);
	c->out(line);
	if (h->note) {
		kfmt_snprintf(line, sizeof(line), "    not jump-optimized: %s\n", h->note);
		c->out(line);
	}
	for (size_t i = 0; i < h->nexits && i < ARRAY_SIZE(h->exits); i++) {
		kfmt_snprintf(line, sizeof(line),
			      "    exit prio=%-6d %-24s calls=%lu\n",
			      h->exits[i].prio, h->exits[i].name,
			      h->exits[i].calls);
		c->out(line);
	}
}

void hook_print(void (*out)(const char *text), const char *filter)
{
	struct list_ctx c = { out, filter, 0, 0 };
	out("hook                     kind   address            sites      state    set              exits\n");
	hook_for_each(one, &c);
	char line[80];
	kfmt_snprintf(line, sizeof(line), "%zu hooks, %zu armed\n", c.hooks, c.armed);
	out(line);
}
