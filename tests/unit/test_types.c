/* Arch stage: the generated parameter-type tables (arch/types_*.c) and
 * their lookups agree with the kernel's declarations. */
#include <criterion/criterion.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/types.h"

static const struct syscall_param *param(const char *arch, const char *sc, const char *name)
{
	const struct syscall_proto *p = arch_syscall_proto(arch_by_name(arch), sc);
	cr_assert_not_null(p, "%s: no proto for %s", arch, sc);
	cr_assert(p->known, "%s: %s unknown", arch, sc);
	int i = syscall_param_index(p, name);
	cr_assert_geq(i, 0, "%s: %s has no parameter %s", arch, sc, name);
	return &p->params[i];
}

static void check(const char *sc, const char *name, int width, int is_signed, int is_pointer)
{
	static const char *const arches[] = { "x86_64", "aarch64" };
	for (int a = 0; a < 2; a++) {
		const struct syscall_param *q = param(arches[a], sc, name);
		cr_expect_eq(q->width, width, "%s %s.%s width %d", arches[a], sc, name, q->width);
		cr_expect_eq(q->is_signed, is_signed, "%s %s.%s signed", arches[a], sc, name);
		cr_expect_eq(q->is_pointer, is_pointer, "%s %s.%s pointer", arches[a], sc, name);
	}
}

Test(types, every_syscall_of_the_targets_has_a_proto)
{
	for (size_t t = 0; t < arch_ntargets; t++) {
		const struct arch *a = arch_targets[t];
		for (size_t i = 0; i < a->nsyscalls; i++) {
			const struct syscall_proto *p = arch_syscall_proto(a, a->syscalls[i].name);
			cr_assert_not_null(p, "%s: %s has no entry", a->name, a->syscalls[i].name);
			cr_expect_str_eq(p->name, a->syscalls[i].name);
			cr_expect(p->source && p->source[0], "%s: %s has no source", a->name, p->name);
			cr_expect_leq(p->nparams, 6);
			if (!p->known)
				cr_expect_eq(p->nparams, 0);
			for (int k = 0; k < p->nparams; k++) {
				const struct syscall_param *q = &p->params[k];
				cr_expect(q->width == 16 || q->width == 32 || q->width == 64);
				cr_expect(!q->is_pointer || q->width == 64);
				cr_expect(q->name[0] && q->ctype[0]);
			}
		}
	}
}

Test(types, absent_syscalls_have_no_proto)
{
	cr_expect_null(arch_syscall_proto(arch_by_name("aarch64"), "open"));
	cr_expect_not_null(arch_syscall_proto(arch_by_name("x86_64"), "open"));
	cr_expect_null(arch_syscall_proto(arch_by_name("x86_64"), "no_such_call"));
	cr_expect_null(arch_syscall_proto(arch_by_name("x86_64"), ""));
}

Test(types, kernel_declarations)
{
	check("ioctl", "fd", 32, 0, 0);
	check("ioctl", "cmd", 32, 0, 0);
	cr_expect_str_eq(param("x86_64", "ioctl", "cmd")->ctype, "unsigned int");
	check("mmap", "addr", 64, 0, 0);
	check("prctl", "option", 32, 1, 0);
	check("openat", "dfd", 32, 1, 0);
	check("openat", "filename", 64, 0, 1);
	check("fchmodat", "mode", 16, 0, 0);
	check("rt_sigaction", "act", 64, 0, 1);
	check("kill", "pid", 32, 1, 0);
	check("lseek", "offset", 64, 1, 0);
	check("capget", "header", 64, 0, 1);
	check("personality", "personality", 32, 0, 0);
}

Test(types, socket_parameters_are_named_by_the_kernel)
{
	static const char *const names[] = { "family", "type", "protocol" };
	for (int k = 0; k < 3; k++) {
		check("socket", names[k], 32, 1, 0);
		const struct syscall_proto *p = arch_syscall_proto(arch_by_name("x86_64"), "socket");
		cr_expect_eq(syscall_param_index(p, names[k]), k);
	}
}

Test(types, clone_differs_between_the_targets)
{
	const struct syscall_proto *x = arch_syscall_proto(arch_by_name("x86_64"), "clone");
	const struct syscall_proto *a = arch_syscall_proto(arch_by_name("aarch64"), "clone");
	cr_assert(x && a && x->nparams == 5 && a->nparams == 5);
	cr_expect_str_eq(x->params[3].name, "child_tidptr");
	cr_expect_str_eq(x->params[4].name, "tls");
	cr_expect_str_eq(a->params[3].name, "tls");
	cr_expect_str_eq(a->params[4].name, "child_tidptr");
	cr_expect(x->params[3].is_pointer && !x->params[4].is_pointer);
	cr_expect(!a->params[3].is_pointer && a->params[4].is_pointer);
}

Test(types, param_index)
{
	const struct syscall_proto *p = arch_syscall_proto(arch_by_name("x86_64"), "openat");
	cr_assert_not_null(p);
	cr_expect_eq(syscall_param_index(p, "dfd"), 0);
	cr_expect_eq(syscall_param_index(p, "mode"), 3);
	cr_expect_eq(syscall_param_index(p, "nope"), -1);
	cr_expect_eq(syscall_param_index(p, ""), -1);
}

Test(types, not_implemented_calls_are_unknown_with_a_reason)
{
	const struct syscall_proto *p = arch_syscall_proto(arch_by_name("x86_64"), "tuxcall");
	cr_assert_not_null(p);
	cr_expect_eq(p->known, 0);
	cr_expect(strstr(p->source, "not implemented") != NULL);
}

Test(types, arch_specific_definitions_come_from_the_targets_own_files)
{
	const struct syscall_proto *p = arch_syscall_proto(arch_by_name("x86_64"), "arch_prctl");
	cr_assert(p && p->known);
	cr_expect(strstr(p->source, "process_64.c") != NULL, "%s", p->source);
	cr_expect_null(arch_syscall_proto(arch_by_name("aarch64"), "arch_prctl"));
	p = arch_syscall_proto(arch_by_name("aarch64"), "personality");
	cr_assert(p && p->known);
	cr_expect(strstr(p->source, "arm64_personality") != NULL, "%s", p->source);
	p = arch_syscall_proto(arch_by_name("x86_64"), "mmap");
	cr_expect(strstr(p->source, "arch/x86/") != NULL, "%s", p->source);
	p = arch_syscall_proto(arch_by_name("aarch64"), "mmap");
	cr_expect(strstr(p->source, "arch/arm64/") != NULL, "%s", p->source);
}
