/* The importer (import/): a profile's JSON to policy text, stage by stage
 * through import_profile: what moby keeps (includes/excludes on
 * architectures, capabilities, kernel versions), what runc makes of each
 * rule (one rule per name, a repeated argument index, masked compares,
 * errnoRet, the default action), how libseccomp lets several rules on one
 * syscall decide, and the errors, each with its JSON path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import.h"

struct run {
	int rc;
	char *text;     /* the text for the first target, or NULL */
	char *diag;     /* everything reported */
};

static struct run import_with(const char *json, const char *target,
			      const struct import_options *o)
{
	const struct arch *t = arch_by_name(target);
	struct import_result res;
	struct run r = { 0, NULL, NULL };
	size_t len = 0;
	FILE *diag = open_memstream(&r.diag, &len);

	cr_assert_not_null(t);
	r.rc = import_profile("p.json", json, strlen(json), &t, 1, o, &res, diag);
	fclose(diag);
	if (r.rc >= 0) {
		r.text = strdup(res.text);
		import_result_free(&res);
	}
	return r;
}

static struct run import_json(const char *json)
{
	struct import_options o = { 0 };

	return import_with(json, "x86_64", &o);
}

static void run_free(struct run *r)
{
	free(r->text);
	free(r->diag);
}

/* TEXT with its wrapped comments joined, one line each (a copy). */
static char *flat(const char *text)
{
	char *out = strdup(text), *w = out;

	cr_assert_not_null(out);
	for (const char *c = text; *c; c++) {
		if (strncmp(c, "\n#   ", 5) == 0) {
			*w++ = ' ';
			c += 4;
			continue;
		}
		*w++ = *c;
	}
	*w = '\0';
	return out;
}

static void has(const char *text, const char *want)
{
	char *f;

	cr_assert_not_null(text);
	f = flat(text);
	cr_assert_not_null(strstr(f, want), "missing \"%s\" in:\n%s", want, f);
	free(f);
}

static void lacks(const char *text, const char *unwanted)
{
	cr_assert_not_null(text);
	cr_assert_null(strstr(text, unwanted), "unexpected \"%s\" in:\n%s", unwanted, text);
}

/* ---- moby: includes and excludes ------------------------------------------------ */

#define RULES(...) "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" __VA_ARGS__ "]}"

Test(import, includes_and_excludes_on_the_host_architecture)
{
	struct import_options o = { 0 };
	const char *json = RULES(
		"{\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"amd64\", \"x32\"]}},"
		"{\"names\": [\"clock_gettime\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"arm\", \"arm64\"]}},"
		"{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": [\"amd64\"]}},"
		"{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": [\"x86\", \"x32\"]}}");
	struct run x = import_with(json, "x86_64", &o), a = import_with(json, "aarch64", &o);

	cr_assert_eq(x.rc, 0, "%s", x.diag);
	has(x.text, "# $.syscalls[0]\nallow: arch_prctl\n");
	has(x.text, "# $.syscalls[1]: left out: includes.arches (arm, arm64) does not name amd64\n");
	has(x.text, "# $.syscalls[2]: left out: excludes.arches names amd64\n");
	/* x86 and x32 never name the host: moby compares amd64 only, and the
	 * rule then applies to the i386 and x32 sections too. */
	has(x.text, "# $.syscalls[3]\nallow: getppid\n");
	has(a.text, "# $.syscalls[0]: left out: includes.arches (amd64, x32) does not name arm64\n");
	has(a.text, "# $.syscalls[1]\nallow: clock_gettime\n");
	has(a.text, "# $.syscalls[2]\nallow: getpid\n");
	/* --host-arch picks what moby compares ("aarch64" is "arm64"). */
	o.host_arch = "aarch64";
	run_free(&x);
	x = import_with(json, "aarch64", &o);
	cr_assert_str_eq(x.text, a.text);
	run_free(&x);
	run_free(&a);
}

Test(import, includes_and_excludes_on_capabilities)
{
	struct import_options o = { 0 };
	const char *json = RULES(
		"{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
		"{\"names\": [\"chroot\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_CHROOT\"]}},"
		"{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
		"{\"names\": [\"bpf\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_BPF\"]}}");
	struct run r = import_with(json, "x86_64", &o);

	/* Docker's default set has CAP_SYS_CHROOT, not CAP_SYS_ADMIN. */
	has(r.text, "left out: includes.caps: CAP_SYS_ADMIN is not given");
	has(r.text, "# $.syscalls[1]\nallow: chroot\n");
	has(r.text, "# $.syscalls[2]\nallow: clone\n");
	has(r.text, "(Docker's default set; --caps to change)");
	run_free(&r);
	o.caps = "sys_admin";
	r = import_with(json, "x86_64", &o);
	has(r.text, "# $.syscalls[0]\nallow: mount\n");
	has(r.text, "# $.syscalls[1]: left out: includes.caps: CAP_SYS_CHROOT is not given");
	has(r.text, "# $.syscalls[2]: left out: excludes.caps: CAP_SYS_ADMIN is given");
	/* Every capability of includes must be given. */
	has(r.text, "# $.syscalls[3]: left out: includes.caps: CAP_BPF is not given");
	run_free(&r);
	o.caps = "all";
	r = import_with(json, "x86_64", &o);
	has(r.text, "# $.syscalls[3]\nallow: bpf\n");
	run_free(&r);
}

Test(import, min_kernel_in_includes_and_excludes)
{
	struct import_options o = { 0 };
	const char *json = RULES(
		"{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"4.8\"}},"
		"{\"names\": [\"uselib\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": \"5.0\"}}");
	struct run r = import_with(json, "x86_64", &o);

	/* No --kernel: the newest kernel, every minKernel met. */
	has(r.text, "# $.syscalls[0]\nallow: ptrace\n");
	has(r.text, "# $.syscalls[1]: left out: excludes.minKernel: the kernel is 5.0 or later");
	run_free(&r);
	o.has_kernel = 1;
	o.kernel_major = 4;
	o.kernel_minor = 19;
	r = import_with(json, "x86_64", &o);
	has(r.text, "# $.syscalls[0]\nallow: ptrace\n");
	has(r.text, "# $.syscalls[1]\nallow: uselib\n");
	run_free(&r);
	o.kernel_major = 4;
	o.kernel_minor = 7;
	r = import_with(json, "x86_64", &o);
	has(r.text, "# $.syscalls[0]: left out: includes.minKernel: needs kernel 4.8");
	run_free(&r);
}

Test(import, archmap_picks_the_host_entry_and_its_subarchitectures)
{
	struct import_options o = { 0 };
	const char *json = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": ["
		"{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X32\", \"SCMP_ARCH_X86\"]},"
		"{\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]},"
		"{\"architecture\": \"SCMP_ARCH_S390X\", \"subArchitectures\": null}],"
		"\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	struct run x = import_with(json, "x86_64", &o), a = import_with(json, "aarch64", &o);

	/* The filter's dispatch order, whatever the profile's. */
	has(x.text, "# $.archMap[0]\nabi x86_64: native, i386, x32\n");
	has(x.text, "on-newer errno(ENOSYS)\n");
	has(a.text, "# $.archMap[1]\nabi aarch64: native, arm\n");
	lacks(a.text, "on-x32");
	run_free(&x);
	o.native_only = 1;
	x = import_with(json, "x86_64", &o);
	lacks(x.text, "\nabi ");
	has(x.text, "on-newer errno(ENOSYS)\n");
	has(x.text, "# $.archMap[0].subArchitectures[1]: SCMP_ARCH_X86: left out (--abi native)");
	has(x.diag, "i386, x32: not accepted (--abi native)");
	run_free(&x);
	run_free(&a);
}

Test(import, architectures_list_and_the_stub)
{
	struct run r;

	/* No architecture listed: runc adds no stub. */
	r = import_json(RULES("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}"));
	lacks(r.text, "\non-newer ");
	has(r.text, "no on-newer: the profile lists no architecture for x86_64");
	run_free(&r);
	/* Listed, but the default lets calls through: no stub either. */
	r = import_json("{\"defaultAction\": \"SCMP_ACT_LOG\", \"architectures\": [\"SCMP_ARCH_X86_64\"]}");
	lacks(r.text, "\non-newer ");
	run_free(&r);
	/* Foreign architectures are no ABI of the target: left out. */
	r = import_json("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", \"architectures\": "
			"[\"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_X86_64\"]}");
	has(r.text, "default kill-process\n");
	has(r.text, "# $.architectures[0]: SCMP_ARCH_AARCH64: no ABI of an x86_64 kernel: left out");
	has(r.text, "on-newer errno(ENOSYS)\n");
	run_free(&r);
	/* Only a 32-bit ABI listed: runc's stub would be for it alone. */
	r = import_json("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86\"]}");
	has(r.text, "abi x86_64: native, i386\n");
	lacks(r.text, "\non-newer ");
	has(r.diag, "no -ENOSYS stub: runc adds one only for the architectures the profile lists");
	run_free(&r);
}

/* ---- runc: one rule per name, conditions ------------------------------------- */

Test(import, a_repeated_argument_index_makes_each_condition_a_rule)
{
	struct run r = import_json(RULES(
		"{\"names\": [\"kill\", \"tkill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		"{\"index\": 1, \"value\": 15, \"op\": \"SCMP_CMP_EQ\"},"
		"{\"index\": 1, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"},"
		"{\"index\": 0, \"value\": 100, \"op\": \"SCMP_CMP_GT\"}]},"
		"{\"names\": [\"tgkill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		"{\"index\": 2, \"value\": 15, \"op\": \"SCMP_CMP_EQ\"},"
		"{\"index\": 0, \"value\": 100, \"op\": \"SCMP_CMP_GT\"}]}"));

	has(r.text, "allow: kill, tkill if arg64(arg1) == 0xf\n"
		    "allow: kill, tkill if arg64(arg1) == 9\n"
		    "allow: kill, tkill if arg64(arg0) > 0x64\n");
	/* Distinct indexes: one AND. */
	has(r.text, "allow: tgkill if arg64(arg2) == 0xf && arg64(arg0) > 0x64\n");
	run_free(&r);
}

Test(import, masked_eq_masks_the_datum_and_every_op_is_written)
{
	struct run r = import_json(RULES(
		"{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		"{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 4294967295, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
		"{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 3, \"op\": \"SCMP_CMP_NE\"}]},"
		"{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 3, \"op\": \"SCMP_CMP_LT\"}]},"
		"{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 2, \"value\": 3, \"op\": \"SCMP_CMP_LE\"}]},"
		"{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 3, \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_GE\"}]},"
		"{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 4, \"value\": 3, \"op\": \"SCMP_CMP_GT\"}]}"));

	/* libseccomp: (arg & value) == (valueTwo & value). */
	has(r.text, "allow: clone if arg64(arg0) & 0x7e020000 == 0x7e020000\n");
	has(r.text, "allow: read if arg64(arg0) != 3\n");
	has(r.text, "allow: read if arg64(arg1) < 3\n");
	has(r.text, "allow: read if arg64(arg2) <= 3\n");
	has(r.text, "allow: read if arg64(arg3) >= 0xffffffffffffffff\n");
	has(r.text, "allow: read if arg64(arg4) > 3\n");
	run_free(&r);
}

Test(import, actions_errno_and_trace_data)
{
	struct run r = import_json("{\"defaultAction\": \"SCMP_ACT_TRACE\", \"defaultErrnoRet\": 5, \"syscalls\": ["
		"{\"names\": [\"a1\", \"read\"], \"action\": \"SCMP_ACT_ERRNO\"},"
		"{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 4095},"
		"{\"names\": [\"open\"], \"action\": \"SCMP_ACT_TRACE\"},"
		"{\"names\": [\"close\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5},"
		"{\"names\": [\"stat\"], \"action\": \"SCMP_ACT_KILL\"}]}");

	has(r.text, "default trace(5)\n");
	has(r.text, "errno(EPERM): read\n");
	has(r.text, "errno(4095): write\n");
	has(r.text, "trace(1): open\n");
	has(r.text, "kill-thread: stat\n");
	/* trace(5) is the default: skipped by runc, written last here. */
	has(r.text, "# $.syscalls[3]: trace(5) is the default action: runc skips the rule");
	cr_assert(strstr(r.text, "trace(5): close") > strstr(r.text, "kill-thread: stat"));
	has(r.diag, "$.syscalls[0].names[0]: warning: unknown syscall \"a1\"");
	run_free(&r);
}

Test(import, the_first_rule_without_conditions_decides_a_syscall)
{
	struct run r = import_json(RULES(
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_LOG\"},"
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_TRAP\", \"args\": [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}"));

	has(r.text, "# $.syscalls[0]: socket: decided by the rule without conditions at $.syscalls[1]");
	has(r.text, "# $.syscalls[1]\nkill-process: socket\n");
	has(r.text, "# $.syscalls[2]: socket: decided by the rule without conditions at $.syscalls[1]");
	has(r.text, "# $.syscalls[3]: socket: decided by the rule without conditions at $.syscalls[1]");
	lacks(r.text, "allow: socket");
	run_free(&r);
}

Test(import, socketcall_allowed_outright_comes_first)
{
	struct run r = import_json("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
		"[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"], \"syscalls\": ["
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"read\", \"socketcall\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	const char *first = strstr(r.text, "allow: socketcall\n");

	cr_assert_not_null(first, "%s", r.text);
	cr_assert(first < strstr(r.text, "allow: socket if"));
	has(r.text, "# $.syscalls[1]\nallow: read\n");
	/* Decided outright, as under runc: no difference to report. */
	has(r.diag, "no deliberate difference from runc");
	run_free(&r);
}

Test(import, overlapping_rules_with_different_actions_are_warned)
{
	struct run r = import_json(RULES(
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_TRAP\", \"args\": [{\"index\": 0, \"value\": 4, \"op\": \"SCMP_CMP_MASKED_EQ\", \"valueTwo\": 0}]},"
		"{\"names\": [\"bind\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_GT\"}]},"
		"{\"names\": [\"bind\"], \"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_LE\"}]}"));

	/* == 1 and == 2 exclude each other; (x & 4) == 0 does not exclude
	 * x == 1. bind's > 1 and <= 1 exclude each other. */
	has(r.diag, "$.syscalls[2]: warning: socket: this rule (trap) and the one at "
		    "$.syscalls[0] (allow) may both match a call");
	lacks(r.diag, "bind: this rule");
	run_free(&r);
}

/* ---- the text ----------------------------------------------------------------- */

Test(import, names_wrap_and_comments_stay_comments)
{
	struct run r = import_json(RULES(
		"{\"names\": [\"read\", \"write\", \"open\", \"close\", \"stat\", \"fstat\", \"lstat\", \"poll\","
		"\"lseek\", \"mmap\", \"mprotect\", \"munmap\", \"brk\", \"rt_sigaction\", \"ioctl\"],"
		"\"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"two\\nlines # and\\r\"}"));

	has(r.text, "# $.syscalls[0]: two\\x0alines # and\\x0d\n");
	has(r.text, "allow: read, write, open, close, stat, fstat, lstat, poll, lseek, mmap,\n"
		    "       mprotect, munmap, brk, rt_sigaction, ioctl\n");
	run_free(&r);
}

Test(import, typed_compares_by_parameter_name)
{
	struct import_options o = { .typed = 1 };
	struct run r = import_with(RULES(
		"{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": [{\"index\": 1, \"value\": 21522, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 4294967295, \"op\": \"SCMP_CMP_LT\"}]},"
		"{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 4294967296, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}"),
		"x86_64", &o);

	has(r.text, "kill-process: ioctl if cmd == 0x5412\n");
	/* A signed order against 0xffffffff would be a compare with -1. */
	has(r.text, "allow: socket if arg64(arg0) < 0xffffffff\n");
	has(r.diag, "the value is negative as the parameter's signed type");
	has(r.text, "allow: ioctl if arg64(arg1) == 0x100000000\n");
	has(r.diag, "the value does not fit the parameter");
	has(r.text, "allow: getppid if arg64(arg0) == 1\n");
	has(r.diag, "the kernel never reads that register");
	has(r.diag, "--typed: ioctl cmd == 0x5412 ($.syscalls[0].args[0]) compares cmd as "
		    "the kernel reads it (unsigned int, 32 bits)");
	run_free(&r);
}

Test(import, podman_errno_and_case_insensitive_keys)
{
	struct run r = import_json("{\"DEFAULTACTION\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
		"\"defaultErrno\": \"ENOSYS\", \"syscalls\": [{\"names\": [\"mount\"],"
		"\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"errno\": \"EPERM\"}]}");

	cr_assert_eq(r.rc, 1, "%s", r.diag);     /* one warning: the key's case */
	has(r.diag, "$.DEFAULTACTION: warning: read as \"defaultAction\"");
	has(r.text, "default errno(ENOSYS)\n");
	has(r.text, "errno(EPERM): mount\n");
	run_free(&r);
}

/* ---- errors ------------------------------------------------------------------- */

static void fails_with(const char *json, const char *want)
{
	struct run r = import_json(json);

	cr_assert_eq(r.rc, -1, "accepted: %s", json);
	cr_assert_null(r.text);
	has(r.diag, want);
	run_free(&r);
}

Test(import, errors_name_the_json_path)
{
	fails_with(RULES("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			 "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_FOO\"}]}"),
		   "p.json: $.syscalls[0].args[0].op: error: unknown op \"SCMP_CMP_FOO\"");
	fails_with(RULES("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_BAR\"}"),
		   "p.json: $.syscalls[0].action: error: unknown action \"SCMP_ACT_BAR\"");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": [{\"architecture\": \"x86\"}]}",
		   "p.json: $.archMap[0].architecture: error: unknown architecture \"x86\"");
	fails_with(RULES("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			 "[{\"index\": \"0\", \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}"),
		   "p.json: $.syscalls[0].args[0].index: error: expected a number, not a string");
	fails_with(RULES("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
			 "[{\"index\": 0, \"value\": 1}]}"),
		   "p.json: $.syscalls[0].args[0]: error: the condition has no \"op\"");
	fails_with(RULES("{\"name\": \"read\", \"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\"}"),
		   "p.json: $.syscalls[0]: error: both \"name\" and \"names\" are given");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 4096}",
		   "p.json: $.defaultErrnoRet: error: errno 4096: the kernel returns at most 4095");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}",
		   "p.json: $.syscalls: error: expected an array of rules, not an object");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [3]}",
		   "p.json: $.syscalls[0]: error: expected a syscall rule (an object), not a number");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"we\\nird\": 1, \"syscalls\": [\"x\"]}",
		   "p.json: $.syscalls[0]: error: expected a syscall rule");
}

Test(import, json_errors_name_line_and_column)
{
	fails_with("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n  \"syscalls\": []\n}",
		   "p.json: error: line 3, column 3: invalid JSON");
	fails_with("", "p.json: error: line 1, column 1: invalid JSON: it ends too early");
	fails_with("{} {}", "p.json: error: line 1, column 4: invalid JSON");
	fails_with(RULES("{\"names\": [\"re\\u0000ad\"], \"action\": \"SCMP_ACT_ALLOW\"}"),
		   "p.json: $.syscalls[0].names[0]: error: the string contains a NUL character");
	fails_with("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"x\": 99999999999999999999}",
		   "p.json: error: line 1, column 42: 99999999999999999999 does not fit 64 bits");
}

Test(import, weird_keys_are_quoted_in_paths)
{
	struct run r = import_json("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"we\\nird\\\"\": 1}");

	cr_assert_eq(r.rc, 1);
	has(r.diag, "p.json: $[\"we\\x0aird\\x22\"]: warning: unknown key in the profile");
	run_free(&r);
}

/* ---- small helpers ------------------------------------------------------------- */

Test(import, kernel_versions_hosts_and_capabilities)
{
	unsigned a, b;

	cr_assert_eq(import_parse_kernel("5.10", &a, &b), 0);
	cr_assert(a == 5 && b == 10);
	cr_assert_eq(import_parse_kernel("6.1.0-13-amd64", &a, &b), 0);
	cr_assert(a == 6 && b == 1);
	cr_assert_eq(import_parse_kernel("0.0", &a, &b), -1);
	cr_assert_eq(import_parse_kernel("256.1", &a, &b), -1);
	cr_assert_eq(import_parse_kernel("5", &a, &b), -1);
	cr_assert_eq(import_parse_kernel("5.x", &a, &b), -1);
	cr_assert_str_eq(import_host_target("amd64")->name, "x86_64");
	cr_assert_str_eq(import_host_target("aarch64")->name, "aarch64");
	cr_assert_null(import_host_target("386"));
	cr_assert_eq(import_check_caps("sys_admin,CAP_NET_RAW,net_admin", NULL), 0);
	cr_assert_eq(import_check_caps("all", NULL), 0);
	cr_assert_eq(import_check_caps("none", NULL), 0);
	cr_assert_eq(import_check_caps("CAP_FLY", NULL), -1);
	cr_assert_eq(import_is_json(" \n{", 3), 1);
	cr_assert_eq(import_is_json("\xef\xbb\xbf[", 4), 1);
	cr_assert_eq(import_is_json("default allow", 13), 0);
	cr_assert_eq(import_warn_by_name("unknown-syscall"), IW_UNKNOWN_SYSCALL);
	cr_assert_eq(import_warn_by_name("twin"), -1);
}

Test(import, annotate_names_the_json_path_of_a_position)
{
	const struct arch *t = arch_by_name("x86_64");
	struct import_options o = { 0 };
	struct import_result res;
	const char *json = RULES("{\"names\": [\"read\", \"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\","
				 "\"args\": [{\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}");
	char *out = NULL, line[256];
	size_t len = 0;
	FILE *f;
	const char *rule;
	int lineno = 1;

	cr_assert_eq(import_profile("p.json", json, strlen(json), &t, 1, &o, &res, NULL), 0);
	rule = strstr(res.text, "allow: read, ioctl if");
	cr_assert_not_null(rule);
	for (const char *c = res.text; c < rule; c++)
		lineno += *c == '\n';
	f = open_memstream(&out, &len);
	snprintf(line, sizeof(line), "p.json[x86_64]:%d:15: warning: x", lineno);
	import_annotate(&res, line, f);
	snprintf(line, sizeof(line), "p.json[x86_64]:%d:25: warning: y", lineno);
	import_annotate(&res, line, f);
	snprintf(line, sizeof(line), "p.json[x86_64]:%d:1: warning: z", lineno);
	import_annotate(&res, line, f);
	import_annotate(&res, "bpfgen: error: w", f);
	import_annotate(&res, "p.json[x86_64]:x:1: nonsense", f);
	fclose(f);
	snprintf(line, sizeof(line), "p.json[x86_64]:%d:15: $.syscalls[0].names[1]: warning: x\n", lineno);
	has(out, line);
	snprintf(line, sizeof(line), "p.json[x86_64]:%d:25: $.syscalls[0].args[0]: warning: y\n", lineno);
	has(out, line);
	snprintf(line, sizeof(line), "p.json[x86_64]:%d:1: $.syscalls[0]: warning: z\n", lineno);
	has(out, line);
	has(out, "bpfgen: error: w\np.json[x86_64]:x:1: nonsense\n");
	free(out);
	import_result_free(&res);
}
