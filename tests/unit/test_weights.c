/* Unit tests of the frequency file (bpfgen/weights.c): how counts land on
 * the decision's ranges, and which files are refused with which message.
 * The tree those weights shape is tested in test_decide.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfgen/decide.h"
#include "bpfgen/weights.h"

/* A policy with single-syscall ranges around read, write and close, so
 * each of them is its own range on x86_64 (0, 1, 3). */
static const char policy_text[] =
	"default allow\n"
	"kill-process: read\n"
	"errno(1): write\n"
	"errno(2): close\n";

struct fixture {
	struct resolved *r;
	struct decision *d;
	char dir[64];
};

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot create %s", path);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static void setup_fixture(struct fixture *fx)
{
	struct diag diag = { .out = stderr };
	struct resolve_options opts = { 0 };
	struct policy_ast *ast;
	char path[128];

	strcpy(fx->dir, "/tmp/bpfgen-weights-XXXXXX");
	cr_assert_not_null(mkdtemp(fx->dir));
	snprintf(path, sizeof(path), "%s/p.policy", fx->dir);
	write_file(path, policy_text, strlen(policy_text));
	ast = policy_parse_file(path, &diag);
	cr_assert_not_null(ast);
	fx->r = resolve_policy(ast, arch_by_name("x86_64"), &opts, &diag);
	cr_assert_not_null(fx->r);
	fx->d = decide(fx->r, &diag);
	policy_free(ast);
	unlink(path);
	diag_free(&diag);
}

static void teardown_fixture(struct fixture *fx)
{
	decision_free(fx->d);
	resolved_free(fx->r);
	rmdir(fx->dir);
}

/* Runs weights_for_ranges on TEXT (LEN bytes). Returns its result; the
 * diagnostics land in MSGS, the weights in *W (caller frees). */
static int load(struct fixture *fx, const char *text, size_t len, double **w,
		char *msgs, size_t msgs_len)
{
	struct diag diag = { .out = tmpfile() };
	char path[128];
	size_t got;
	int rc;

	cr_assert_not_null(diag.out);
	snprintf(path, sizeof(path), "%s/w.txt", fx->dir);
	write_file(path, text, len);
	*w = NULL;
	rc = weights_for_ranges(path, fx->d, w, &diag);
	unlink(path);
	rewind(diag.out);
	got = fread(msgs, 1, msgs_len - 1, diag.out);
	msgs[got] = '\0';
	fclose(diag.out);
	diag_free(&diag);
	return rc;
}

static size_t range_of_nr(const struct decision *d, uint32_t nr)
{
	for (size_t i = 0; i < d->nranges; i++)
		if (d->ranges[i].lo <= nr && nr <= d->ranges[i].hi)
			return i;
	cr_assert_fail("no range holds %u", nr);
	return 0;
}

static double weight_of(const struct fixture *fx, const double *w, const char *name)
{
	long nr = arch_syscall_nr(fx->d->arch, name);

	cr_assert_geq(nr, 0, "no syscall %s", name);
	return w[range_of_nr(fx->d, (uint32_t)nr)];
}

Test(weights, counts_land_on_the_range_of_each_syscall)
{
	static const char text[] =
		"# strace -c, trimmed\n"
		"read 1000\n"
		"\n"
		"write\t250   # tabs and comments\n"
		"write 50\n"
		"close 0.5\n"
		"getpid 7\n"
		"no_such_call 99\n";   /* named elsewhere, unknown here: ignored */
	struct fixture fx;
	char msgs[1024];
	double *w, total = 0;

	setup_fixture(&fx);
	cr_assert_eq(load(&fx, text, strlen(text), &w, msgs, sizeof(msgs)), 0, "%s", msgs);
	cr_assert_str_empty(msgs);
	cr_assert_float_eq(weight_of(&fx, w, "read"), 1000.0, 1e-9);
	cr_assert_float_eq(weight_of(&fx, w, "write"), 300.0, 1e-9, "lines add up");
	cr_assert_float_eq(weight_of(&fx, w, "close"), 0.5, 1e-9);
	/* getpid shares the allowed range after close with its neighbours. */
	cr_assert_float_eq(weight_of(&fx, w, "getpid"), 7.0, 1e-9);
	for (size_t i = 0; i < fx.d->nranges; i++)
		total += w[i];
	cr_assert_float_eq(total, 1307.5, 1e-9, "the unknown name must add nothing");
	free(w);
	teardown_fixture(&fx);
}

Test(weights, an_empty_file_weighs_nothing)
{
	struct fixture fx;
	char msgs[256];
	double *w;

	setup_fixture(&fx);
	cr_assert_eq(load(&fx, "", 0, &w, msgs, sizeof(msgs)), 0);
	cr_assert_not_null(w);
	for (size_t i = 0; i < fx.d->nranges; i++)
		cr_assert_eq(w[i], 0.0);
	free(w);
	teardown_fixture(&fx);
}

Test(weights, malformed_lines_are_errors_at_their_line)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "read 1\nwrite\n", ":2:1: error: expected 'SYSCALL COUNT'" },
		{ "read 1 2\n", ":1:1: error: expected 'SYSCALL COUNT'" },
		{ "\n\nread -5\n", ":3:6: error: '-5' is not a non-negative count" },
		{ "read lots\n", ":1:6: error: 'lots' is not a non-negative count" },
		{ "read nan\n", "'nan' is not a non-negative count" },
		{ "read 1e999\n", "'1e999' is not a non-negative count" },
		{ "read 12x\n", "'12x' is not a non-negative count" },
	};
	struct fixture fx;

	setup_fixture(&fx);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char msgs[1024];
		double *w;

		cr_assert_eq(load(&fx, bad[i].text, strlen(bad[i].text), &w, msgs, sizeof(msgs)),
			     -1, "case %zu accepted", i);
		cr_assert_null(w, "case %zu: no weights on error", i);
		cr_assert_not_null(strstr(msgs, bad[i].want), "case %zu: got '%s', want '%s'",
				   i, msgs, bad[i].want);
		cr_assert_not_null(strstr(msgs, "/w.txt:"), "case %zu names no file: %s", i, msgs);
	}
	teardown_fixture(&fx);
}

Test(weights, unreadable_and_binary_files_are_refused)
{
	struct diag diag = { .out = tmpfile() };
	struct fixture fx;
	char msgs[1024];
	double *w = NULL;
	size_t got;

	setup_fixture(&fx);
	cr_assert_eq(weights_for_ranges("/nonexistent/hot.txt", fx.d, &w, &diag), -1);
	rewind(diag.out);
	got = fread(msgs, 1, sizeof(msgs) - 1, diag.out);
	msgs[got] = '\0';
	cr_assert_not_null(strstr(msgs, "cannot read weights file '/nonexistent/hot.txt'"),
			   "%s", msgs);
	cr_assert_null(w);
	fclose(diag.out);
	diag_free(&diag);

	cr_assert_eq(load(&fx, "read 1\0write 2\n", 15, &w, msgs, sizeof(msgs)), -1);
	cr_assert_not_null(strstr(msgs, "contains a NUL byte"), "%s", msgs);
	teardown_fixture(&fx);
}
