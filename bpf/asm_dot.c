/* Graphviz output for bpfdis --dot: basic blocks labelled with their
 * listing lines (comments included), edges labelled true/false. */
#include <stdlib.h>
#include <string.h>

#include "bpf/disasm.h"
#include "bpf/asm_dot.h"

static int is_jump(const struct sock_filter *f)
{
	return BPF_CLASS(f->code) == BPF_JMP;
}

static int is_always(const struct sock_filter *f)
{
	return is_jump(f) && BPF_OP(f->code) == BPF_JA;
}

/* LEADER[i] is 1 when instruction i starts a basic block. */
static void mark_leaders(const struct sock_filter *prog, size_t len,
			 char *leader)
{
	memset(leader, 0, len);
	leader[0] = 1;
	for (size_t i = 0; i < len; i++) {
		const struct sock_filter *f = &prog[i];
		size_t next = i + 1;

		if (!is_jump(f) && BPF_CLASS(f->code) != BPF_RET)
			continue;
		if (next < len)
			leader[next] = 1;
		if (is_always(f) && next + f->k < len)
			leader[next + f->k] = 1;
		if (is_jump(f) && !is_always(f)) {
			if (next + f->jt < len)
				leader[next + f->jt] = 1;
			if (next + f->jf < len)
				leader[next + f->jf] = 1;
		}
	}
}

/* The listing, one malloc'd string holding LEN lines. */
static char *listing_text(const struct arch *arch,
			  const struct sock_filter *prog, size_t len)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	disasm_program(f, arch, prog, len);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Writes one line as a left-justified Graphviz label line. */
static void put_label_line(FILE *out, const char *line, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (line[i] == '"' || line[i] == '\\')
			fputc('\\', out);
		fputc(line[i], out);
	}
	fputs("\\l", out);
}

static void edge(FILE *out, size_t from, size_t to, size_t len,
		 const char *label)
{
	if (to < len)
		fprintf(out, "  b%zu -> b%zu", from, to);
	else
		fprintf(out, "  b%zu -> bad%zu", from, to);
	if (label)
		fprintf(out, " [label=\"%s\"]", label);
	fputs(";\n", out);
	if (to >= len)
		fprintf(out, "  bad%zu [label=\"jump to %zu: past the end\", "
			"color=red];\n", to, to);
}

/* Edges leaving the block whose first instruction is START and last LAST. */
static void block_edges(FILE *out, const struct sock_filter *prog,
			size_t len, size_t start, size_t last)
{
	const struct sock_filter *f = &prog[last];
	size_t next = last + 1;

	if (BPF_CLASS(f->code) == BPF_RET)
		return;
	if (is_always(f)) {
		edge(out, start, next + f->k, len, NULL);
	} else if (is_jump(f)) {
		edge(out, start, next + f->jt, len, "true");
		edge(out, start, next + f->jf, len, "false");
	} else if (next < len) {
		edge(out, start, next, len, NULL);
	} else {
		fprintf(out, "  b%zu -> end;\n  end [label=\"falls off the "
			"end\", color=red];\n", start);
	}
}

int dot_program(FILE *out, const char *name, const struct arch *arch,
		const struct sock_filter *prog, size_t len)
{
	char *leader = len ? malloc(len) : NULL;
	char *text = listing_text(arch, prog, len);
	const char *line = text;

	if ((len && !leader) || !text) {
		free(leader);
		free(text);
		return -1;
	}
	if (len)
		mark_leaders(prog, len, leader);
	fprintf(out, "digraph %s {\n  node [shape=box, fontname=\"monospace\"];\n",
		name);
	for (size_t start = 0; start < len;) {
		size_t end = start + 1;

		while (end < len && !leader[end])
			end++;
		fprintf(out, "  b%zu [label=\"", start);
		for (size_t i = start; i < end; i++) {
			const char *nl = strchr(line, '\n');

			put_label_line(out, line, (size_t)(nl - line));
			line = nl + 1;
		}
		fputs("\"];\n", out);
		block_edges(out, prog, len, start, end - 1);
		start = end;
	}
	fputs("}\n", out);
	free(leader);
	free(text);
	return 0;
}
