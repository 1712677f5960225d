/* The assembler: parses listing lines into instructions, then resolves
 * every jump (labels and absolute indexes) in one place, resolve_jumps().
 * The grammar is documented in bpf/asm.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/seccomp.h"
#include "bpf/asm.h"

#define NAME_MAX_LEN 64
#define MAX_ERRORS   20

enum jump_kind { JUMP_NONE, JUMP_ALWAYS, JUMP_COND };

/* Where a jump goes: a label, or an absolute instruction index. */
struct target {
	char label[NAME_MAX_LEN];
	uint64_t index;
	int line, col;
};

struct item {
	struct sock_filter f;
	enum jump_kind jump;
	struct target t, e;   /* e: the false branch of a conditional jump */
};

struct label {
	char name[NAME_MAX_LEN];
	size_t index;
	int line, col;
};

struct asm_state {
	const char *file;
	const struct arch *arch;
	FILE *diag;
	struct item *items;
	size_t nitems, cap;
	struct label *labels;
	size_t nlabels, lcap;
	int errors;
	int lineno;
	const char *line_start;
	const char *p;    /* cursor */
	const char *end;  /* end of the line's code: its ';' or newline */
};

static void report(struct asm_state *s, int line, int col, const char *kind,
		   const char *fmt, va_list ap)
{
	if (s->errors > MAX_ERRORS)
		return;
	fprintf(s->diag, "%s:%d:%d: %s: ", s->file, line, col, kind);
	vfprintf(s->diag, fmt, ap);
	fputc('\n', s->diag);
}

/* An error at the cursor position AT; always returns -1. */
static int error_at(struct asm_state *s, const char *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(s, s->lineno, (int)(at - s->line_start) + 1, "error", fmt, ap);
	va_end(ap);
	s->errors++;
	return -1;
}

static int error_line(struct asm_state *s, int line, int col,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(s, line, col, "error", fmt, ap);
	va_end(ap);
	s->errors++;
	return -1;
}

static void warn_line(struct asm_state *s, int line, int col,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(s, line, col, "warning", fmt, ap);
	va_end(ap);
}

/* --- lexing within one line --- */

static void skip_ws(struct asm_state *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r'))
		s->p++;
}

static int at_end(struct asm_state *s)
{
	skip_ws(s);
	return s->p >= s->end;
}

static int peek(struct asm_state *s)
{
	skip_ws(s);
	return s->p < s->end ? (unsigned char)*s->p : 0;
}

static int expect(struct asm_state *s, char c)
{
	if (peek(s) != c)
		return s->p < s->end
			? error_at(s, s->p, "expected '%c', found '%c'", c, *s->p)
			: error_at(s, s->p, "expected '%c' before end of line", c);
	s->p++;
	return 0;
}

static int is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static int is_ident_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Copies an identifier-like word (chars accepted by OK) into BUF. */
static int word(struct asm_state *s, int (*ok)(int), char *buf, size_t n)
{
	const char *start;
	size_t len;

	skip_ws(s);
	start = s->p;
	while (s->p < s->end && ok((unsigned char)*s->p))
		s->p++;
	len = (size_t)(s->p - start);
	if (len == 0)
		return error_at(s, start, "expected a name");
	if (len >= n)
		return error_at(s, start, "name longer than %zu characters",
				n - 1);
	memcpy(buf, start, len);
	buf[len] = '\0';
	return 0;
}

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* A number up to MAX: decimal, 0x hex or 0-prefixed octal. */
static int number_upto(struct asm_state *s, uint64_t max, uint64_t *out)
{
	const char *start;
	uint64_t v = 0;
	int base = 10;

	skip_ws(s);
	start = s->p;
	if (s->p >= s->end || !isdigit((unsigned char)*s->p))
		return error_at(s, start, "expected a number");
	if (*s->p == '0' && s->p + 1 < s->end &&
	    (s->p[1] == 'x' || s->p[1] == 'X')) {
		base = 16;
		s->p += 2;
		if (s->p >= s->end || digit_value((unsigned char)*s->p) >= 16)
			return error_at(s, start, "'0x' without hex digits");
	} else if (*s->p == '0') {
		base = 8;
	}
	while (s->p < s->end && is_ident_char((unsigned char)*s->p)) {
		int d = digit_value((unsigned char)*s->p);

		if (d >= base)
			return error_at(s, s->p, "'%c' is not a base-%d digit",
					*s->p, base);
		v = v * (uint64_t)base + (uint64_t)d;
		if (v > max)
			return error_at(s, start, "number is larger than 0x%llx",
					(unsigned long long)max);
		s->p++;
	}
	*out = v;
	return 0;
}

/* A 32-bit number. */
static int number(struct asm_state *s, uint32_t *out)
{
	uint64_t v;

	if (number_upto(s, UINT32_MAX, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* --- symbols --- */

static int audit_symbol(const char *suffix, uint32_t *out)
{
	for (size_t i = 0; i < arch_nknown; i++) {
		const struct arch *a = arch_known[i];

		/* x32 shares x86_64's audit value and has no AUDIT_ARCH name */
		if (arch_by_audit(a->audit_arch) != a ||
		    strcasecmp(a->name, suffix) != 0)
			continue;
		*out = a->audit_arch;
		return 0;
	}
	return -1;
}

static int need_arch(struct asm_state *s, const char *at, const char *name)
{
	if (s->arch)
		return 0;
	return error_at(s, at, "'%s' depends on the architecture: pass -a ARCH",
			name);
}

static int symbol_value(struct asm_state *s, const char *at,
			const char *name, uint32_t *out)
{
	uint64_t v;
	long nr;

	if (strncmp(name, "AUDIT_ARCH_", 11) == 0) {
		if (audit_symbol(name + 11, out) == 0)
			return 0;
		return error_at(s, at, "unknown architecture in '%s'", name);
	}
	if (need_arch(s, at, name))
		return -1;
	if (strncmp(name, "__NR_", 5) == 0) {
		nr = arch_syscall_nr(s->arch, name + 5);
		if (nr < 0)
			return error_at(s, at, "%s has no syscall '%s'",
					s->arch->name, name + 5);
		*out = (uint32_t)nr;
		return 0;
	}
	if (strcmp(name, "__X32_SYSCALL_BIT") == 0) {
		if (!s->arch->x32_bit)
			return error_at(s, at, "%s has no x32 bit",
					s->arch->name);
		*out = s->arch->x32_bit;
		return 0;
	}
	if (arch_constant(s->arch, name, &v) != 0)
		return error_at(s, at, "unknown symbol '%s' (expected a number, "
				"__NR_<syscall>, AUDIT_ARCH_<ARCH>, "
				"__X32_SYSCALL_BIT or a constant known on %s)",
				name, s->arch->name);
	if (v > UINT32_MAX)
		return error_at(s, at, "'%s' is 0x%llx, wider than 32 bits",
				name, (unsigned long long)v);
	*out = (uint32_t)v;
	return 0;
}

/* A number or a symbol. */
static int value(struct asm_state *s, uint32_t *out)
{
	char name[NAME_MAX_LEN];
	const char *at;

	skip_ws(s);
	at = s->p;
	if (s->p < s->end && isdigit((unsigned char)*s->p))
		return number(s, out);
	if (s->p >= s->end || !is_ident_start((unsigned char)*s->p))
		return error_at(s, at, "expected a number or a symbol");
	if (word(s, is_ident_char, name, sizeof(name)))
		return -1;
	return symbol_value(s, at, name, out);
}

/* "#K" */
static int immediate(struct asm_state *s, uint32_t *out)
{
	if (expect(s, '#'))
		return -1;
	return value(s, out);
}

/* --- operands --- */

static int is_field_char(int c)
{
	return isalnum(c) || c == '.';
}

static int field_offset(struct asm_state *s, uint32_t *out)
{
	char name[NAME_MAX_LEN];
	const char *at;

	skip_ws(s);
	at = s->p;
	if (s->p < s->end && isdigit((unsigned char)*s->p))
		return number(s, out);
	if (word(s, is_field_char, name, sizeof(name)))
		return -1;
	for (uint32_t off = 0; off < SD_SIZE; off += 4) {
		if (strcmp(seccomp_field_name(off), name) == 0) {
			*out = off;
			return 0;
		}
	}
	return error_at(s, at, "unknown seccomp_data field '%s' (nr, arch, "
			"ip.lo, ip.hi, arg0.lo ... arg5.hi)", name);
}

/* "[FIELD]" or "[x+N]"; *MODE gets BPF_ABS or BPF_IND. */
static int bracket(struct asm_state *s, uint16_t *mode, uint32_t *k)
{
	const char *save;

	if (expect(s, '['))
		return -1;
	skip_ws(s);
	save = s->p;
	*mode = BPF_ABS;
	if (s->p < s->end && *s->p == 'x') {
		s->p++;
		if (peek(s) == '+') {
			s->p++;
			*mode = BPF_IND;
			if (number(s, k))
				return -1;
			return expect(s, ']');
		}
		s->p = save;
	}
	if (field_offset(s, k))
		return -1;
	return expect(s, ']');
}

/* "M[N]" */
static int mem_slot(struct asm_state *s, uint32_t *k)
{
	if (expect(s, 'M') || expect(s, '['))
		return -1;
	if (number(s, k))
		return -1;
	return expect(s, ']');
}

/* True when the next word is exactly W (and consumes it). */
static int next_word_is(struct asm_state *s, const char *w)
{
	size_t n = strlen(w);

	skip_ws(s);
	if ((size_t)(s->end - s->p) < n || strncmp(s->p, w, n) != 0)
		return 0;
	if (s->p + n < s->end && is_ident_char((unsigned char)s->p[n]))
		return 0;
	s->p += n;
	return 1;
}

static int jump_target(struct asm_state *s, struct target *t)
{
	skip_ws(s);
	t->line = s->lineno;
	t->col = (int)(s->p - s->line_start) + 1;
	t->label[0] = '\0';
	if (s->p < s->end && is_ident_start((unsigned char)*s->p))
		return word(s, is_ident_char, t->label, sizeof(t->label));
	/* a ja reaches 2^32 instructions past itself */
	return number_upto(s, (uint64_t)UINT32_MAX * 2 + 1, &t->index);
}

/* --- instructions --- */

static struct item *new_item(struct asm_state *s)
{
	struct item *it;

	if (s->nitems == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct item *p = realloc(s->items, cap * sizeof(*p));

		if (!p)
			return NULL;
		s->items = p;
		s->cap = cap;
	}
	it = &s->items[s->nitems++];
	memset(it, 0, sizeof(*it));
	return it;
}

static int emit(struct asm_state *s, uint16_t code, uint32_t k)
{
	struct item *it = new_item(s);

	if (!it)
		return error_at(s, s->p, "out of memory");
	it->f = (struct sock_filter)BPF_STMT(code, k);
	return 0;
}

static int op_ld(struct asm_state *s, uint16_t size)
{
	uint16_t mode;
	uint32_t k;

	if (size == BPF_W) {
		if (peek(s) == '#')
			return immediate(s, &k) ? -1 : emit(s, BPF_LD | BPF_IMM, k);
		if (peek(s) == 'M')
			return mem_slot(s, &k) ? -1 : emit(s, BPF_LD | BPF_MEM, k);
		if (next_word_is(s, "len"))
			return emit(s, BPF_LD | BPF_W | BPF_LEN, 0);
	}
	if (bracket(s, &mode, &k))
		return -1;
	return emit(s, BPF_LD | size | mode, k);
}

static int op_ldx(struct asm_state *s)
{
	uint32_t k;

	if (peek(s) == '#')
		return immediate(s, &k) ? -1 : emit(s, BPF_LDX | BPF_IMM, k);
	if (peek(s) == 'M')
		return mem_slot(s, &k) ? -1 : emit(s, BPF_LDX | BPF_MEM, k);
	if (next_word_is(s, "len"))
		return emit(s, BPF_LDX | BPF_W | BPF_LEN, 0);
	return error_at(s, s->p, "ldx takes #K, M[N] or len");
}

static int op_store(struct asm_state *s, uint16_t cls)
{
	uint32_t k;

	return mem_slot(s, &k) ? -1 : emit(s, cls, k);
}

static int op_alu(struct asm_state *s, uint16_t op)
{
	uint32_t k;

	if (next_word_is(s, "x"))
		return emit(s, BPF_ALU | op | BPF_X, 0);
	if (peek(s) != '#')
		return error_at(s, s->p, "expected #K or x");
	return immediate(s, &k) ? -1 : emit(s, BPF_ALU | op | BPF_K, k);
}

static int op_ja(struct asm_state *s)
{
	struct item *it = new_item(s);

	if (!it)
		return error_at(s, s->p, "out of memory");
	it->f.code = BPF_JMP | BPF_JA;
	it->jump = JUMP_ALWAYS;
	return jump_target(s, &it->t);
}

/* jeq/jgt/jge/jset; SWAP for the jne/jle/jlt spellings. */
static int op_jcond(struct asm_state *s, uint16_t op, int swap)
{
	uint16_t src = BPF_K;
	uint32_t k = 0;
	struct target t, e;
	struct item *it;

	if (next_word_is(s, "x"))
		src = BPF_X;
	else if (peek(s) != '#')
		return error_at(s, s->p, "expected #K or x");
	else if (immediate(s, &k))
		return -1;
	if (expect(s, ',') || jump_target(s, &t))
		return -1;
	if (peek(s) == ',') {
		s->p++;
		if (jump_target(s, &e))
			return -1;
	} else {
		memset(&e, 0, sizeof(e));
		e.index = s->nitems + 1;  /* fall through */
		e.line = t.line;
		e.col = t.col;
	}
	it = new_item(s);
	if (!it)
		return error_at(s, s->p, "out of memory");
	it->f = (struct sock_filter)BPF_JUMP(BPF_JMP | op | src, k, 0, 0);
	it->jump = JUMP_COND;
	it->t = swap ? e : t;
	it->e = swap ? t : e;
	return 0;
}

static int is_action_char(int c)
{
	return isalnum(c) || c == '-';
}

/* "(N)" after errno/trace/trap; N fits SECCOMP_RET_DATA. */
static int action_data(struct asm_state *s, uint32_t *data)
{
	const char *at;

	if (expect(s, '('))
		return -1;
	skip_ws(s);
	at = s->p;
	if (value(s, data))
		return -1;
	if (*data > ACT_DATA_MASK)
		return error_at(s, at, "action data %u does not fit in 16 bits",
				*data);
	return expect(s, ')');
}

static int op_ret(struct asm_state *s)
{
	static const struct { const char *name; uint32_t action; int data; }
	actions[] = {
		{ "allow", ACT_ALLOW, 0 },       { "log", ACT_LOG, 0 },
		{ "notify", ACT_USER_NOTIF, 0 },
		{ "kill-process", ACT_KILL_PROCESS, 0 },
		{ "kill-thread", ACT_KILL_THREAD, 0 },
		{ "trap", ACT_TRAP, 1 },         { "errno", ACT_ERRNO, 2 },
		{ "trace", ACT_TRACE, 2 },
	};
	char name[NAME_MAX_LEN];
	const char *at;
	uint32_t k, data = 0;

	if (peek(s) == '#')
		return immediate(s, &k) ? -1 : emit(s, BPF_RET | BPF_K, k);
	if (next_word_is(s, "a"))
		return emit(s, BPF_RET | BPF_A, 0);
	if (next_word_is(s, "x"))
		return emit(s, BPF_RET | BPF_X, 0);
	at = s->p;
	if (word(s, is_action_char, name, sizeof(name)))
		return -1;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(actions[i].name, name) != 0)
			continue;
		/* data: 0 none, 1 optional "(N)", 2 required "(N)" */
		if (actions[i].data == 2 || (actions[i].data == 1 && peek(s) == '('))
			if (action_data(s, &data))
				return -1;
		return emit(s, BPF_RET | BPF_K, actions[i].action | data);
	}
	return error_at(s, at, "unknown action '%s' (allow, log, notify, "
			"kill-process, kill-thread, trap, errno(N), trace(N), "
			"#K, a or x)", name);
}

static int op_raw(struct asm_state *s)
{
	uint32_t code, jt, jf, k;
	const char *at;
	struct item *it;

	skip_ws(s);
	at = s->p;
	if (number(s, &code) || expect(s, ',') || number(s, &jt) ||
	    expect(s, ',') || number(s, &jf) || expect(s, ',') || number(s, &k))
		return -1;
	if (code > 0xffff || jt > 0xff || jf > 0xff)
		return error_at(s, at, "raw fields are CODE (16 bits), JT, JF "
				"(8 bits each), K (32 bits)");
	it = new_item(s);
	if (!it)
		return error_at(s, at, "out of memory");
	it->f = (struct sock_filter){ (uint16_t)code, (uint8_t)jt,
				      (uint8_t)jf, k };
	return 0;
}

static int instruction(struct asm_state *s, const char *mnem, const char *at)
{
	static const struct { const char *name; uint16_t op; } alu[] = {
		{ "add", BPF_ADD }, { "sub", BPF_SUB }, { "mul", BPF_MUL },
		{ "div", BPF_DIV }, { "mod", BPF_MOD }, { "and", BPF_AND },
		{ "or", BPF_OR },   { "xor", BPF_XOR }, { "lsh", BPF_LSH },
		{ "rsh", BPF_RSH },
	};
	static const struct { const char *name; uint16_t op; int swap; } jmp[] = {
		{ "jeq", BPF_JEQ, 0 }, { "jgt", BPF_JGT, 0 },
		{ "jge", BPF_JGE, 0 }, { "jset", BPF_JSET, 0 },
		{ "jne", BPF_JEQ, 1 }, { "jle", BPF_JGT, 1 },
		{ "jlt", BPF_JGE, 1 },
	};

	if (!strcmp(mnem, "ld"))   return op_ld(s, BPF_W);
	if (!strcmp(mnem, "ldh"))  return op_ld(s, BPF_H);
	if (!strcmp(mnem, "ldb"))  return op_ld(s, BPF_B);
	if (!strcmp(mnem, "ldx"))  return op_ldx(s);
	if (!strcmp(mnem, "st"))   return op_store(s, BPF_ST);
	if (!strcmp(mnem, "stx"))  return op_store(s, BPF_STX);
	if (!strcmp(mnem, "neg"))  return emit(s, BPF_ALU | BPF_NEG, 0);
	if (!strcmp(mnem, "tax"))  return emit(s, BPF_MISC | BPF_TAX, 0);
	if (!strcmp(mnem, "txa"))  return emit(s, BPF_MISC | BPF_TXA, 0);
	if (!strcmp(mnem, "ja"))   return op_ja(s);
	if (!strcmp(mnem, "ret"))  return op_ret(s);
	if (!strcmp(mnem, "raw"))  return op_raw(s);
	for (size_t i = 0; i < sizeof(alu) / sizeof(alu[0]); i++)
		if (!strcmp(mnem, alu[i].name))
			return op_alu(s, alu[i].op);
	for (size_t i = 0; i < sizeof(jmp) / sizeof(jmp[0]); i++)
		if (!strcmp(mnem, jmp[i].name))
			return op_jcond(s, jmp[i].op, jmp[i].swap);
	return error_at(s, at, "unknown instruction '%s'", mnem);
}

/* --- lines --- */

static int define_label(struct asm_state *s, const char *name, const char *at)
{
	for (size_t i = 0; i < s->nlabels; i++) {
		if (strcmp(s->labels[i].name, name) == 0)
			return error_at(s, at, "label '%s' already defined at "
					"line %d", name, s->labels[i].line);
	}
	if (s->nlabels == s->lcap) {
		size_t cap = s->lcap ? s->lcap * 2 : 16;
		struct label *p = realloc(s->labels, cap * sizeof(*p));

		if (!p)
			return error_at(s, at, "out of memory");
		s->labels = p;
		s->lcap = cap;
	}
	snprintf(s->labels[s->nlabels].name, NAME_MAX_LEN, "%s", name);
	s->labels[s->nlabels].index = s->nitems;
	s->labels[s->nlabels].line = s->lineno;
	s->labels[s->nlabels].col = (int)(at - s->line_start) + 1;
	s->nlabels++;
	return 0;
}

/* "N:" as a listing prints it; it must agree with the real index. */
static int index_prefix(struct asm_state *s, int *has_index)
{
	const char *at;
	uint32_t idx;

	*has_index = 0;
	if (!isdigit((unsigned char)peek(s)))
		return 0;
	at = s->p;
	if (number(s, &idx) || expect(s, ':'))
		return -1;
	if (idx == 0 && s->nitems > 0) {
		/* Nothing after this would assemble: stop here. */
		error_at(s, at, "a second program starts here (index 0 after "
			 "%zu instructions); assemble one program at a time: "
			 "'bpfdis -a ARCH HEADER' lists one architecture's array, "
			 "'bpfdis --pid PID --filter N' one filter", s->nitems);
		s->errors = MAX_ERRORS + 1;
		return -1;
	}
	if (idx != s->nitems)
		return error_at(s, at, "index %u does not match: this is "
				"instruction %zu", idx, s->nitems);
	*has_index = 1;
	return 0;
}

static int parse_line(struct asm_state *s)
{
	char name[NAME_MAX_LEN];
	const char *at;
	int has_index;

	if (index_prefix(s, &has_index))
		return -1;
	for (;;) {
		if (at_end(s)) {
			if (has_index)
				return error_at(s, s->p, "index without an "
						"instruction");
			return 0;
		}
		at = s->p;
		if (!is_ident_start((unsigned char)*s->p))
			return error_at(s, at, "expected an instruction or a "
					"label, found '%c'", *s->p);
		if (word(s, is_ident_char, name, sizeof(name)))
			return -1;
		if (peek(s) != ':')
			break;
		s->p++;
		if (define_label(s, name, at))
			return -1;
	}
	if (instruction(s, name, at))
		return -1;
	if (!at_end(s))
		return error_at(s, s->p, "unexpected '%c' after the instruction",
				*s->p);
	return 0;
}

/* --- jump resolution: the one place that turns targets into offsets --- */

static int target_index(struct asm_state *s, const struct target *t,
			size_t *out)
{
	if (!t->label[0]) {
		*out = (size_t)t->index;
		return 0;
	}
	for (size_t i = 0; i < s->nlabels; i++) {
		if (strcmp(s->labels[i].name, t->label) != 0)
			continue;
		if (s->labels[i].index >= s->nitems)
			return error_line(s, t->line, t->col, "label '%s' "
					  "(line %d) marks no instruction",
					  t->label, s->labels[i].line);
		*out = s->labels[i].index;
		return 0;
	}
	return error_line(s, t->line, t->col, "undefined label '%s'", t->label);
}

/* Offset from instruction I to target T, at most MAX. */
static int offset_to(struct asm_state *s, size_t i, const struct target *t,
		     uint64_t max, uint32_t *out)
{
	size_t to = 0;

	if (target_index(s, t, &to))
		return -1;
	if (to <= i)
		return error_line(s, t->line, t->col, "jump target %zu is not "
				  "after instruction %zu (BPF jumps only "
				  "forward)", to, i);
	if (to - i - 1 > max)
		return error_line(s, t->line, t->col, "jump target %zu is %zu "
				  "instructions away; a conditional jump reaches "
				  "at most %llu (use a ja)", to, to - i - 1,
				  (unsigned long long)max);
	if (to >= s->nitems)
		warn_line(s, t->line, t->col, "jump target %zu is past the end "
			  "of the program (%zu instructions); the kernel will "
			  "reject it", to, s->nitems);
	*out = (uint32_t)(to - i - 1);
	return 0;
}

static void resolve_jumps(struct asm_state *s)
{
	for (size_t i = 0; i < s->nitems; i++) {
		struct item *it = &s->items[i];
		uint32_t t, e;

		if (it->jump == JUMP_ALWAYS &&
		    offset_to(s, i, &it->t, UINT32_MAX, &t) == 0)
			it->f.k = t;
		if (it->jump != JUMP_COND)
			continue;
		if (offset_to(s, i, &it->t, 0xff, &t) == 0)
			it->f.jt = (uint8_t)t;
		if (offset_to(s, i, &it->e, 0xff, &e) == 0)
			it->f.jf = (uint8_t)e;
	}
}

/* Sets S->end to the end of the line's code, and returns the next line. */
static const char *start_line(struct asm_state *s, const char *line,
			      const char *text_end)
{
	const char *nl = memchr(line, '\n', (size_t)(text_end - line));
	const char *eol = nl ? nl : text_end;
	const char *semi = memchr(line, ';', (size_t)(eol - line));

	s->lineno++;
	s->line_start = line;
	s->p = line;
	s->end = semi ? semi : eol;
	return nl ? nl + 1 : text_end;
}

static int finish(struct asm_state *s)
{
	if (s->errors)
		return -1;
	if (s->nitems == 0) {
		fprintf(s->diag, "%s: error: no instructions\n", s->file);
		return -1;
	}
	if (s->nitems > BPF_MAXINSNS) {
		fprintf(s->diag, "%s: error: %zu instructions; the kernel "
			"accepts at most %d\n", s->file, s->nitems,
			BPF_MAXINSNS);
		return -1;
	}
	return 0;
}

int asm_assemble(const char *text, size_t len, const char *file,
		 const struct arch *arch, struct sock_filter **out,
		 size_t *nout, FILE *diag)
{
	struct asm_state s = { .file = file, .arch = arch, .diag = diag };
	const char *line = text, *text_end = text + len;
	int rc;

	*out = NULL;
	*nout = 0;
	if (memchr(text, '\0', len)) {
		fprintf(diag, "%s: error: NUL byte in the listing (is it a raw "
			"program? bpfdis reads those)\n", file);
		return -1;
	}
	while (line < text_end && s.errors <= MAX_ERRORS) {
		line = start_line(&s, line, text_end);
		parse_line(&s);
	}
	if (!s.errors)
		resolve_jumps(&s);
	rc = finish(&s);
	if (rc == 0) {
		*out = malloc(s.nitems * sizeof(**out));
		if (!*out) {
			fprintf(diag, "%s: error: out of memory\n", file);
			rc = -1;
		}
	}
	if (rc == 0) {
		for (size_t i = 0; i < s.nitems; i++)
			(*out)[i] = s.items[i].f;
		*nout = s.nitems;
	}
	free(s.items);
	free(s.labels);
	return rc;
}
