/* Stage 7 for Rust and Go: the programs as source of those languages, for
 * code bases that vendor the filter as the C header's users do. Each file
 * is written as rustfmt and gofmt (default settings) write it, so running
 * them changes nothing; the instructions are fixed-width hex for that
 * reason (gofmt aligns the listing comments of lines of equal width with a
 * single space). Syscall numbers come from the architecture tables, the
 * prctl and seccomp constants from the kernel's headers. */
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <string.h>

#include "bpf/disasm.h"
#include "bpfgen/emit_lang.h"

/* What each language calls an architecture bpfgen compiles for. */
struct lang_arch {
	const char *arch;     /* bpfgen's name */
	const char *rust;     /* Rust's target_arch */
	const char *goarch;   /* Go's GOARCH */
	const char *go_var;   /* the Go package's variable for its program */
	const char *rust_asm; /* Rust's asm! operands of a system call */
};

/* The system call instruction and its registers (the kernel's syscall
 * ABI: x86_64 clobbers rcx and r11; aarch64 returns in x0). */
static const struct lang_arch lang_archs[] = {
	{ "x86_64", "x86_64", "amd64", "X86_64",
	  "            \"syscall\",\n"
	  "            inlateout(\"rax\") nr => ret,\n"
	  "            in(\"rdi\") a[0],\n"
	  "            in(\"rsi\") a[1],\n"
	  "            in(\"rdx\") a[2],\n"
	  "            in(\"r10\") a[3],\n"
	  "            in(\"r8\") a[4],\n"
	  "            lateout(\"rcx\") _,\n"
	  "            lateout(\"r11\") _,\n"
	  "            options(nostack),\n" },
	{ "aarch64", "aarch64", "arm64", "Aarch64",
	  "            \"svc 0\",\n"
	  "            in(\"x8\") nr,\n"
	  "            inlateout(\"x0\") a[0] => ret,\n"
	  "            in(\"x1\") a[1],\n"
	  "            in(\"x2\") a[2],\n"
	  "            in(\"x3\") a[3],\n"
	  "            in(\"x4\") a[4],\n"
	  "            options(nostack),\n" },
};

#define NLANG_ARCHS (sizeof(lang_archs) / sizeof(lang_archs[0]))

static const struct lang_arch *lang_arch(const struct arch *a)
{
	for (size_t i = 0; i < NLANG_ARCHS; i++)
		if (strcmp(lang_archs[i].arch, a->name) == 0)
			return &lang_archs[i];
	return NULL;
}

int lang_has_arch(const struct arch *a)
{
	return lang_arch(a) != NULL;
}

int lang_go_package_ok(const char *name)
{
	static const char *const keywords[] = {
		"break", "case", "chan", "const", "continue", "default", "defer",
		"else", "fallthrough", "for", "func", "go", "goto", "if", "import",
		"interface", "map", "package", "range", "return", "select",
		"struct", "switch", "type", "var", "_",
	};

	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(name, keywords[i]) == 0)
			return 0;
	return 1;
}

/* One instruction per line: its fields, then its index and listing. */
struct insn_ctx {
	FILE *out;
	const struct program *p;
	const char *open, *close;   /* around the four fields */
};

static void emit_insn(void *ctx, size_t i, const char *text)
{
	struct insn_ctx *c = ctx;
	const struct sock_filter *f = &c->p->insns[i];

	fprintf(c->out, "%s0x%02x, 0x%02x, 0x%02x, 0x%08x%s, // %4zu: %s\n",
		c->open, f->code, f->jt, f->jf, f->k, c->close, i, text);
}

static void emit_insns(FILE *out, const struct program *p, const char *open,
		       const char *close)
{
	struct insn_ctx ctx = { out, p, open, close };

	disasm_each(p->arch, p->insns, p->len, emit_insn, &ctx);
}

static long syscall_nr(const struct program *p, const char *name)
{
	return arch_syscall_nr(p->arch, name);
}

/* ---- Rust --------------------------------------------------------------- */

/* rustfmt's limit: a longer line is broken where it can be. */
#define RUST_MAX_WIDTH 100

/* The cfg of a program's target, as rustfmt lays it out at INDENT. Rust's
 * x32 and ILP32 targets share target_arch but not the ABI: the pointer
 * width keeps them out. */
static void rust_target(FILE *out, const struct lang_arch *la, const char *indent)
{
	fprintf(out, "%sall(\n"
		"%s    target_os = \"linux\",\n"
		"%s    target_arch = \"%s\",\n"
		"%s    target_pointer_width = \"64\"\n"
		"%s)", indent, indent, indent, la->rust, indent, indent);
}

/* NAME_ARCH, the Rust name of P's array. */
static void rust_array_name(char *buf, size_t n, const struct program *p, const char *upper)
{
	char arch[32];

	emit_upper(arch, sizeof(arch), lang_arch(p->arch)->rust);
	snprintf(buf, n, "%s_%s", upper, arch);
}

static void rust_array(FILE *out, const struct program *p, const char *upper)
{
	char name[160];
	char len[24];

	rust_array_name(name, sizeof(name), p, upper);
	snprintf(len, sizeof(len), "%zu", p->len);
	/* When all up to the '=' does not fit, rustfmt breaks the type where
	 * it can: after its ';'. */
	fprintf(out, "/// %s: %zu instructions.\n#[allow(dead_code)]\n"
		"pub static %s: [SockFilter;%s%s] = [\n", p->arch->name, p->len, name,
		strlen("pub static : [SockFilter; ] =") + strlen(name) + strlen(len) >
		RUST_MAX_WIDTH ? "\n    " : " ", len);
	emit_insns(out, p, "    SockFilter::new(", ")");
	fputs("];\n\n", out);
}

/* `pub static FILTER: &[super::SockFilter] = VALUE;` in a module, broken
 * after `=` as rustfmt does when it is too long. */
static void rust_selected(FILE *out, const char *value)
{
	static const char lhs[] = "    pub static FILTER: &[super::SockFilter] =";

	fprintf(out, "%s%s%s;\n", lhs,
		sizeof(lhs) + strlen(value) + 1 > RUST_MAX_WIDTH ? "\n        " : " ", value);
}

static void rust_target_module(FILE *out, const struct program *p, const char *upper)
{
	const struct lang_arch *la = lang_arch(p->arch);
	char name[160], value[176];

	fputs("#[cfg(", out);
	rust_target(out, la, "");
	fputs(")]\n#[allow(dead_code)]\nmod target {\n"
	      "    use std::arch::asm;\n"
	      "    use std::os::raw::c_long;\n\n", out);
	fprintf(out, "    /// The program for %s Linux, the target being compiled for.\n",
		la->rust);
	rust_array_name(name, sizeof(name), p, upper);
	snprintf(value, sizeof(value), "&super::%s", name);
	rust_selected(out, value);
	fprintf(out, "    pub const SYS_PRCTL: c_long = %ld;\n"
		"    pub const SYS_SECCOMP: c_long = %ld;\n\n",
		syscall_nr(p, "prctl"), syscall_nr(p, "seccomp"));
	/* unsafe { } inside the unsafe fn: edition 2024 wants it, older
	 * compilers call it unused. */
	fprintf(out, "    /// System call NR with the arguments A: its result, or -errno.\n"
		"    #[allow(unused_unsafe)]\n"
		"    pub unsafe fn syscall(nr: c_long, a: [c_long; 5]) -> c_long {\n"
		"        let ret: c_long;\n"
		"        unsafe {\n"
		"            asm!(\n%s"
		"            );\n"
		"        }\n"
		"        ret\n"
		"    }\n"
		"}\n\n", la->rust_asm);
}

/* Every other target: one clear error, and the names install() uses so
 * that it is the only one. */
static void rust_other_module(FILE *out, const struct program *progs, size_t n,
			      const char *name)
{
	int width;

	if (n == 1) {
		fputs("#[cfg(not(", out);
		rust_target(out, lang_arch(progs[0].arch), "");
		fputs("))]\n", out);
	} else {
		fputs("#[cfg(not(any(\n", out);
		for (size_t i = 0; i < n; i++) {
			rust_target(out, lang_arch(progs[i].arch), "    ");
			fputs(i + 1 < n ? ",\n" : "\n", out);
		}
		fputs(")))]\n", out);
	}
	fputs("#[allow(dead_code)]\nmod target {\n    use std::os::raw::c_long;\n\n", out);
	/* compile_error!("NAME: no seccomp filter for this target (...)"); */
	width = 4 + (int)strlen("compile_error!(\"\");") + (int)strlen(name) +
		(int)strlen(": no seccomp filter for this target (it has:");
	for (size_t i = 0; i < n; i++)
		width += (int)strlen(progs[i].arch->name) + 1;
	width += (int)strlen(" Linux, 64-bit)");
	fprintf(out, "    compile_error!(%s\"%s: no seccomp filter for this target (it has:",
		width > RUST_MAX_WIDTH ? "\n        " : "", name);
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %s", progs[i].arch->name);
	fprintf(out, " Linux, 64-bit)\"%s);\n", width > RUST_MAX_WIDTH ? "\n    " : "");
	rust_selected(out, "&[]");
	fputs("    pub const SYS_PRCTL: c_long = -1;\n"
	      "    pub const SYS_SECCOMP: c_long = -1;\n\n"
	      "    pub unsafe fn syscall(_: c_long, _: [c_long; 5]) -> c_long {\n"
	      "        -1\n"
	      "    }\n"
	      "}\n", out);
}

static void rust_install(FILE *out)
{
	fprintf(out,
		"/// Sets no_new_privs, then installs the program for this target on every\n"
		"/// thread of the process (`SECCOMP_FILTER_FLAG_TSYNC`): a filter on one\n"
		"/// thread of a multi-threaded program is no sandbox. Returns the OS error;\n"
		"/// if a thread cannot take the filter, no thread has it. no_new_privs\n"
		"/// stays set.\n"
		"#[allow(dead_code)]\n"
		"pub fn install() -> std::io::Result<()> {\n"
		"    use std::io::{Error, ErrorKind};\n"
		"    use std::os::raw::{c_long, c_ushort};\n\n"
		"    // From <linux/prctl.h> and <linux/seccomp.h>.\n"
		"    const PR_SET_NO_NEW_PRIVS: c_long = %d;\n"
		"    const SECCOMP_SET_MODE_FILTER: c_long = %d;\n"
		"    const SECCOMP_FILTER_FLAG_TSYNC: c_long = %d;\n\n"
		"    /// `struct sock_fprog` of `<linux/filter.h>`.\n"
		"    #[repr(C)]\n"
		"    struct SockFprog {\n"
		"        len: c_ushort,\n"
		"        filter: *const SockFilter,\n"
		"    }\n\n"
		"    let prog = SockFprog {\n"
		"        len: target::FILTER.len() as c_ushort,\n"
		"        filter: target::FILTER.as_ptr(),\n"
		"    };\n"
		"    let nnp = [PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0];\n"
		"    let mode = SECCOMP_SET_MODE_FILTER;\n"
		"    let flags = SECCOMP_FILTER_FLAG_TSYNC;\n"
		"    let filter = [mode, flags, &prog as *const SockFprog as c_long, 0, 0];\n"
		"    // SAFETY: prctl reads its integer arguments only; seccomp reads `prog`\n"
		"    // and the program it points to, which outlive the call.\n"
		"    let rc = unsafe { target::syscall(target::SYS_PRCTL, nnp) };\n"
		"    if rc < 0 {\n"
		"        return Err(Error::from_raw_os_error(-rc as i32));\n"
		"    }\n"
		"    let rc = unsafe { target::syscall(target::SYS_SECCOMP, filter) };\n"
		"    if rc < 0 {\n"
		"        return Err(Error::from_raw_os_error(-rc as i32));\n"
		"    }\n"
		"    if rc > 0 {\n"
		"        let why = format!(\"thread {} cannot take the filter; no thread has it\", rc);\n"
		"        return Err(Error::new(ErrorKind::Other, why));\n"
		"    }\n"
		"    Ok(())\n"
		"}\n\n",
		PR_SET_NO_NEW_PRIVS, SECCOMP_SET_MODE_FILTER,
		(int)SECCOMP_FILTER_FLAG_TSYNC);
}

void emit_rust(FILE *out, const struct program *progs, size_t n,
	       const struct emit_info *info)
{
	static const struct head_style rust_head = {
		"// Generated by bpfgen ", "", "// ", "", 1,
	};
	char upper[128];

	emit_upper(upper, sizeof(upper), info->name);
	emit_head(out, &rust_head, progs, n, info);
	fputs("\n/// `struct sock_filter` of `<linux/filter.h>`: one classic BPF instruction.\n"
	      "#[repr(C)]\n"
	      "#[derive(Clone, Copy, Debug, PartialEq, Eq)]\n"
	      "#[allow(dead_code)]\n"
	      "pub struct SockFilter {\n"
	      "    pub code: u16,\n"
	      "    pub jt: u8,\n"
	      "    pub jf: u8,\n"
	      "    pub k: u32,\n"
	      "}\n\n"
	      "#[allow(dead_code)]\n"
	      "impl SockFilter {\n"
	      "    /// The instruction with these fields.\n"
	      "    pub const fn new(code: u16, jt: u8, jf: u8, k: u32) -> SockFilter {\n"
	      "        SockFilter { code, jt, jf, k }\n"
	      "    }\n"
	      "}\n\n", out);
	for (size_t i = 0; i < n; i++)
		rust_array(out, &progs[i], upper);
	fprintf(out, "// The program for the target being compiled for (module `target`).\n"
		"#[allow(unused_imports)]\n"
		"pub use self::target::FILTER as %s_FILTER;\n\n", upper);
	rust_install(out);
	fputs("// What differs between targets: the program and two syscall numbers.\n"
	      "// Only x86_64 and aarch64 Linux with the 64-bit ABI have a program;\n"
	      "// Rust's x32 and ILP32 targets share target_arch but not the ABI.\n", out);
	for (size_t i = 0; i < n; i++)
		rust_target_module(out, &progs[i], upper);
	rust_other_module(out, progs, n, info->name);
}

/* ---- Go ----------------------------------------------------------------- */

size_t go_files(const struct program *progs, size_t n, struct go_file *files)
{
	size_t k = 0;

	files[k++] = (struct go_file){ "bpfgen_filters.go", GO_FILTERS, NULL };
	for (size_t i = 0; i < n && k + 2 < GO_MAX_FILES; i++) {
		files[k] = (struct go_file){ "", GO_ARCH, &progs[i] };
		snprintf(files[k].name, sizeof(files[k].name), "bpfgen_linux_%s.go",
			 lang_arch(progs[i].arch)->goarch);
		k++;
	}
	files[k++] = (struct go_file){ "bpfgen_install.go", GO_INSTALL, NULL };
	files[k++] = (struct go_file){ "bpfgen_other.go", GO_OTHER, NULL };
	return k;
}

int go_file_name(const char *name)
{
	char buf[40];

	if (strcmp(name, "bpfgen_filters.go") == 0 || strcmp(name, "bpfgen_install.go") == 0 ||
	    strcmp(name, "bpfgen_other.go") == 0)
		return 1;
	for (size_t i = 0; i < NLANG_ARCHS; i++) {
		snprintf(buf, sizeof(buf), "bpfgen_linux_%s.go", lang_archs[i].goarch);
		if (strcmp(name, buf) == 0)
			return 1;
	}
	return 0;
}

/* "amd64" or "(amd64 || arm64)": the GOARCHs with a program. */
static void go_goarchs(FILE *out, const struct program *progs, size_t n)
{
	if (n > 1)
		fputc('(', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? " || " : "", lang_arch(progs[i].arch)->goarch);
	if (n > 1)
		fputc(')', out);
}

static void go_platforms(FILE *out, const struct program *progs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%slinux/%s", i ? ", " : "", lang_arch(progs[i].arch)->goarch);
}

static void go_filters(FILE *out, const struct program *progs, size_t n)
{
	fputs("// SockFilter is struct sock_filter of <linux/filter.h>: one classic BPF\n"
	      "// instruction.\n"
	      "type SockFilter struct {\n"
	      "\tCode uint16\n"
	      "\tJt   uint8\n"
	      "\tJf   uint8\n"
	      "\tK    uint32\n"
	      "}\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct program *p = &progs[i];
		const char *var = lang_arch(p->arch)->go_var;

		fprintf(out, "\n// %s is the program for %s (%zu instructions); Filter is the\n"
			"// one for the platform being built for.\n"
			"var %s = [%zu]SockFilter{\n", var, p->arch->name, p->len, var, p->len);
		emit_insns(out, p, "\t{", "}");
		fputs("}\n", out);
	}
}

static void go_arch(FILE *out, const struct program *p)
{
	const struct lang_arch *la = lang_arch(p->arch);

	fprintf(out, "// Filter is the program for this platform, linux/%s.\n"
		"var Filter = %s[:]\n\n"
		"const sysPrctl = %ld\n"
		"const sysSeccomp = %ld\n",
		la->goarch, la->go_var, syscall_nr(p, "prctl"), syscall_nr(p, "seccomp"));
}

static void go_install(FILE *out, const char *name)
{
	fprintf(out,
		"import (\n"
		"\t\"fmt\"\n"
		"\t\"runtime\"\n"
		"\t\"syscall\"\n"
		"\t\"unsafe\"\n"
		")\n\n"
		"// From <linux/prctl.h> and <linux/seccomp.h>.\n"
		"const (\n"
		"\tprSetNoNewPrivs        = %d\n"
		"\tseccompSetModeFilter   = %d\n"
		"\tseccompFilterFlagTsync = %d\n"
		")\n\n"
		"// sockFprog is struct sock_fprog of <linux/filter.h>.\n"
		"type sockFprog struct {\n"
		"\tlen    uint16\n"
		"\tfilter *SockFilter\n"
		"}\n\n"
		"// Install sets no_new_privs, then installs Filter on every thread of the\n"
		"// process (SECCOMP_FILTER_FLAG_TSYNC): a Go program runs on several\n"
		"// threads, and a filter on one of them would be no sandbox. The calling\n"
		"// goroutine stays on its thread meanwhile: the kernel wants no_new_privs\n"
		"// on the thread that installs. If a thread cannot take the filter, no\n"
		"// thread has it. no_new_privs stays set.\n"
		"func Install() error {\n"
		"\truntime.LockOSThread()\n"
		"\tdefer runtime.UnlockOSThread()\n"
		"\t_, _, e := syscall.RawSyscall6(sysPrctl, prSetNoNewPrivs, 1, 0, 0, 0, 0)\n"
		"\tif e != 0 {\n"
		"\t\treturn fmt.Errorf(\"%s: prctl(PR_SET_NO_NEW_PRIVS): %%w\", e)\n"
		"\t}\n"
		"\tprog := sockFprog{len: uint16(len(Filter)), filter: &Filter[0]}\n"
		"\tr, _, e := syscall.RawSyscall(sysSeccomp, seccompSetModeFilter,\n"
		"\t\tseccompFilterFlagTsync, uintptr(unsafe.Pointer(&prog)))\n"
		"\tif e != 0 {\n"
		"\t\treturn fmt.Errorf(\"%s: seccomp(SECCOMP_SET_MODE_FILTER): %%w\", e)\n"
		"\t}\n"
		"\tif r != 0 {\n"
		"\t\treturn fmt.Errorf(\"%s: thread %%d cannot take the filter; no thread has it\", r)\n"
		"\t}\n"
		"\treturn nil\n"
		"}\n",
		PR_SET_NO_NEW_PRIVS, SECCOMP_SET_MODE_FILTER, (int)SECCOMP_FILTER_FLAG_TSYNC,
		name, name, name);
}

static void go_other(FILE *out, const struct program *progs, size_t n, const char *name)
{
	fputs("import (\n"
	      "\t\"errors\"\n"
	      "\t\"runtime\"\n"
	      ")\n\n"
	      "// Filter is nil: there is no program for this platform.\n"
	      "var Filter []SockFilter\n\n"
	      "// Install fails: there is no program for this platform.\n"
	      "func Install() error {\n", out);
	fprintf(out, "\treturn errors.New(\"%s: no seccomp filter for \" + runtime.GOOS + \"/\" +\n"
		"\t\truntime.GOARCH + \" (it has: ", name);
	go_platforms(out, progs, n);
	fputs(")\")\n}\n", out);
}

void emit_go(FILE *out, const struct go_file *f, const struct program *progs,
	     size_t n, const struct emit_info *info)
{
	static const struct head_style go_head = {
		"// Code generated by bpfgen ", ". DO NOT EDIT.", "// ", "", 1,
	};

	emit_head(out, &go_head, progs, n, info);
	switch (f->role) {
	case GO_FILTERS:
		break;
	case GO_ARCH:
		fprintf(out, "\n//go:build linux && %s\n", lang_arch(f->prog->arch)->goarch);
		break;
	case GO_INSTALL:
		fputs("\n//go:build linux && ", out);
		go_goarchs(out, progs, n);
		fputc('\n', out);
		break;
	case GO_OTHER:
		fputs("\n//go:build !(linux && ", out);
		go_goarchs(out, progs, n);
		fputs(")\n", out);
		break;
	}
	fprintf(out, "\npackage %s\n\n", info->name);
	switch (f->role) {
	case GO_FILTERS: go_filters(out, progs, n); break;
	case GO_ARCH: go_arch(out, f->prog); break;
	case GO_INSTALL: go_install(out, info->name); break;
	case GO_OTHER: go_other(out, progs, n, info->name); break;
	}
}
