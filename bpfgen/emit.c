/* Stage 7: emitters. Output depends only on the programs and the command
 * line, never on time or machine, so the same policy always gives the same
 * bytes and `bpfgen --check` can compare a vendored header. The Rust and
 * Go writers (emit_lang.c) share the top comment, emit_head. */
#include <ctype.h>
#include <string.h>

#include "bpf/disasm.h"
#include "bpfgen/emit.h"
#include "bpfgen/version.h"

/* S inside a comment, C or listing: paths and notes come from the user
 * and must neither end the comment ("*\/"), open a nested one (which
 * -Wcomment reports) nor start a new line. With ASCII, bytes outside
 * printable ASCII are escaped too: Rust and Go sources must be UTF-8, and
 * rustc refuses bidirectional-override characters in comments. */
static void put_escaped(FILE *out, const char *s, int ascii)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c == '*' && s[1] == '/') || (c == '/' && s[1] == '*')) {
			fputc(c, out);
			fputc('\\', out);
		} else if (c < 0x20 || c == 0x7f || (ascii && c >= 0x80)) {
			fprintf(out, "\\x%02x", c);
		} else {
			fputc(c, out);
		}
	}
}

static void emit_notes(FILE *out, const char *prefix, const struct program *p,
		       int ascii)
{
	for (size_t i = 0; i < p->nnotes; i++) {
		fprintf(out, "%snote (%s): ", prefix, p->arch->name);
		put_escaped(out, p->notes[i], ascii);
		fputc('\n', out);
	}
}

void emit_head(FILE *out, const struct head_style *st, const struct program *progs,
	       size_t n, const struct emit_info *info)
{
	fprintf(out, "%s%s from ", st->first, BPFGEN_VERSION);
	put_escaped(out, info->policy_path, st->ascii);
	fprintf(out, "%s\n%sOptions: ", st->first_end, st->line);
	put_escaped(out, info->options, st->ascii);
	fputc('\n', out);
	fprintf(out, "%sDo not edit. Regenerate with the same command; verify with\n"
		"%s`bpfgen --check THIS_FILE POLICY` and the same options.\n",
		st->line, st->line);
	for (size_t i = 0; i < n; i++)
		emit_notes(out, st->line, &progs[i], st->ascii);
	fputs(st->close, out);
}

void emit_upper(char *dst, size_t n, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = (char)toupper((unsigned char)src[i]);
	dst[i] = '\0';
}

struct array_ctx {
	FILE *out;
	const struct program *p;
};

static void emit_array_line(void *ctx, size_t i, const char *text)
{
	struct array_ctx *c = ctx;
	const struct sock_filter *f = &c->p->insns[i];

	fprintf(c->out, "\t/* %4zu */ { 0x%02x, %3u, %3u, 0x%08x }, /* %s */\n",
		i, f->code, f->jt, f->jf, f->k, text);
}

static void emit_array(FILE *out, const struct program *p, const char *name)
{
	struct array_ctx ctx = { out, p };

	fprintf(out, "/* %s: %zu instructions */\n", p->arch->name, p->len);
	fprintf(out, "static const struct sock_filter %s_%s[] BPFGEN_MAYBE_UNUSED = {\n",
		name, p->arch->name);
	disasm_each(p->arch, p->insns, p->len, emit_array_line, &ctx);
	fprintf(out, "};\n#define %s_%s_len %zuu\n", name, p->arch->name, p->len);
	fprintf(out, "static const struct sock_fprog %s_%s_prog BPFGEN_MAYBE_UNUSED = {\n"
		"\t.len = %s_%s_len,\n"
		"\t.filter = (struct sock_filter *)%s_%s,\n};\n\n",
		name, p->arch->name, name, p->arch->name, name, p->arch->name);
}

static const char *selector_macro(const char *arch)
{
	if (strcmp(arch, "x86_64") == 0)
		return "defined(__x86_64__)";
	return "defined(__aarch64__)";
}

/* Does the x86_64 program among PROGS accept x32 calls (abi line)? */
static int accepts_x32(const struct program *progs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < progs[i].nabis; k++)
			if (progs[i].abis[k].abi->x32_bit)
				return 1;
	return 0;
}

static void emit_selector(FILE *out, const struct program *progs, size_t n,
			  const char *name)
{
	if (accepts_x32(progs, n)) {
		fprintf(out, "/* The program for the architecture being compiled for. The\n"
			" * x86_64 filter accepts x32 calls too (abi x86_64: ..., x32), so\n"
			" * an x32 build takes it; aarch64's ILP32 is refused. */\n");
		fprintf(out, "#if defined(__aarch64__) && defined(__ILP32__)\n"
			"#error \"%s: no filter for aarch64 ILP32; build for the 64-bit ABI\"\n",
			name);
	} else {
		fprintf(out, "/* The program for the architecture being compiled for. x32 and\n"
			" * ILP32 builds share the 64-bit compiler macros but not its ABI:\n"
			" * they are refused rather than given a filter that does not fit. */\n");
		fprintf(out, "#if (defined(__x86_64__) || defined(__aarch64__)) && defined(__ILP32__)\n"
			"#error \"%s: no filter for ILP32 ABIs (x32); build for the 64-bit ABI\"\n",
			name);
	}
	for (size_t i = 0; i < n; i++)
		fprintf(out, "#elif %s\n#define %s_filter %s_%s\n",
			selector_macro(progs[i].arch->name), name, name,
			progs[i].arch->name);
	fprintf(out, "#else\n#error \"%s: no filter for this architecture (generated for", name);
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %s", progs[i].arch->name);
	fprintf(out, ")\"\n#endif\n\n");
	fprintf(out, "#define %s_filter_len ((unsigned short)(sizeof(%s_filter) / sizeof(%s_filter[0])))\n\n",
		name, name, name);
	fprintf(out, "static const struct sock_fprog %s_prog BPFGEN_MAYBE_UNUSED = {\n"
		"\t.len = %s_filter_len,\n"
		"\t.filter = (struct sock_filter *)%s_filter,\n};\n\n",
		name, name, name);
}

void emit_c(FILE *out, const struct program *progs, size_t n,
	    const struct emit_info *info)
{
	char guard[256];

	static const struct head_style c_head = {
		"/* Generated by bpfgen ", "", " * ", " */\n", 0,
	};

	emit_upper(guard, sizeof(guard), info->name);
	emit_head(out, &c_head, progs, n, info);
	fprintf(out, "#ifndef BPFGEN_%s_H\n#define BPFGEN_%s_H\n\n", guard, guard);
	fprintf(out, "#include <linux/filter.h>\n\n"
		"#ifndef BPFGEN_MAYBE_UNUSED\n"
		"#if defined(__GNUC__)\n"
		"#define BPFGEN_MAYBE_UNUSED __attribute__((unused))\n"
		"#else\n"
		"#define BPFGEN_MAYBE_UNUSED\n"
		"#endif\n"
		"#endif\n\n");
	for (size_t i = 0; i < n; i++)
		emit_array(out, &progs[i], info->name);
	emit_selector(out, progs, n, info->name);
	fprintf(out, "#endif /* BPFGEN_%s_H */\n", guard);
}

void emit_raw(FILE *out, const struct program *p)
{
	for (size_t i = 0; i < p->len; i++) {
		const struct sock_filter *f = &p->insns[i];
		unsigned char b[8] = {
			(unsigned char)(f->code & 0xff), (unsigned char)(f->code >> 8),
			f->jt, f->jf,
			(unsigned char)(f->k & 0xff), (unsigned char)((f->k >> 8) & 0xff),
			(unsigned char)((f->k >> 16) & 0xff), (unsigned char)(f->k >> 24),
		};

		fwrite(b, 1, sizeof(b), out);
	}
}

void emit_asm(FILE *out, const struct program *p, const struct emit_info *info)
{
	fprintf(out, "; bpfgen %s: ", BPFGEN_VERSION);
	put_escaped(out, info->policy_path, 0);
	fprintf(out, " for %s, %zu instructions\n; options: ", p->arch->name, p->len);
	put_escaped(out, info->options, 0);
	fputc('\n', out);
	emit_notes(out, "; ", p, 0);
	disasm_program(out, p->arch, p->insns, p->len);
}
