/* -f go writes a package, several files (Go selects code by architecture
 * file by file, with build constraints), into one directory; --check
 * compares them all. Files are named bpfgen_*.go so that they can sit
 * beside the package's own files. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfgen/check_lang.h"
#include "bpfgen/emit_lang.h"
#include "bpfgen/gopkg.h"
#include "bpfgen/util.h"

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *p = xmalloc(n + strlen(name) + 2);

	sprintf(p, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
	return p;
}

static int produced(const struct go_file *files, size_t nf, const char *name)
{
	for (size_t i = 0; i < nf; i++)
		if (strcmp(files[i].name, name) == 0)
			return 1;
	return 0;
}

/* A file of DIR that bpfgen -f go wrote (its name and its first line say
 * so) but FILES do not include. Returns its name, malloc'd, or NULL. */
static char *next_stale(DIR *d, const char *dir, const struct go_file *files, size_t nf)
{
	struct dirent *e;

	while ((e = readdir(d)) != NULL) {
		char *path, *text;
		size_t len;
		int ours;

		if (!go_file_name(e->d_name) || produced(files, nf, e->d_name))
			continue;
		path = join(dir, e->d_name);
		ours = read_file(path, 1u << 20, &text, &len) == 0;
		if (ours) {
			ours = source_format(text, len) == SOURCE_GO;
			free(text);
		}
		free(path);
		if (ours)
			return xstrdup(e->d_name);
	}
	return NULL;
}

static int emit_to(struct outfile *o, const struct go_file *f, const struct program *progs,
		   size_t n, const struct emit_info *info)
{
	emit_go(o->f, f, progs, n, info);
	/* Everything but the renames is done before the first rename. */
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)
		return -1;
	return 0;
}

int gopkg_write(const char *dir, const struct program *progs, size_t n,
		const struct emit_info *info)
{
	struct go_file files[GO_MAX_FILES];
	struct outfile outs[GO_MAX_FILES];
	size_t nf = go_files(progs, n, files), opened, committed;
	struct stat st;
	char *stale;
	DIR *d;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "bpfgen: cannot create directory '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "bpfgen: -f go writes a package into a directory: '%s' is not one\n",
			dir);
		return -1;
	}
	for (opened = 0; opened < nf; opened++) {
		char *path = join(dir, files[opened].name);
		int rc = out_open(&outs[opened], path);

		if (rc == 0 && emit_to(&outs[opened], &files[opened], progs, n, info) < 0) {
			out_abort(&outs[opened]);
			rc = -1;
		}
		if (rc < 0) {
			fprintf(stderr, "bpfgen: cannot write '%s': %s\n", path, strerror(errno));
			free(path);
			while (opened > 0)
				out_abort(&outs[--opened]);
			return -1;
		}
		free(path);
	}
	for (committed = 0; committed < nf; committed++)
		if (out_commit(&outs[committed]) < 0) {
			char *path = join(dir, files[committed].name);

			fprintf(stderr, "bpfgen: cannot write '%s': %s\n", path, strerror(errno));
			if (committed > 0)
				fprintf(stderr, "bpfgen: '%s' holds %zu new files and %zu old ones\n",
					dir, committed, nf - committed);
			free(path);
			while (++committed < nf)
				out_abort(&outs[committed]);
			return -1;
		}
	d = opendir(dir);
	while (d && (stale = next_stale(d, dir, files, nf)) != NULL) {
		char *path = join(dir, stale);

		if (unlink(path) != 0)
			fprintf(stderr, "bpfgen: cannot remove '%s', which this package no longer "
				"has: %s\n", path, strerror(errno));
		free(path);
		free(stale);
	}
	if (d)
		closedir(d);
	return 0;
}

/* The package's directory from --check PATH, malloc'd, or NULL. */
static char *package_dir(const char *path)
{
	struct stat st;
	const char *slash;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "bpfgen: cannot read '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(st.st_mode))
		return xstrdup(path);
	slash = strrchr(path, '/');
	if (!go_file_name(slash ? slash + 1 : path)) {
		fprintf(stderr, "bpfgen: --check: '%s' is not a file bpfgen -f go writes "
			"(bpfgen_*.go): name the package's directory\n", path);
		return NULL;
	}
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* One file: 0 the same, 1 different or missing, -1 unreadable. */
static int check_file(const char *dir, const struct go_file *f, const struct program *progs,
		      size_t n, const struct emit_info *info, FILE *out)
{
	char *path = join(dir, f->name), *have = NULL, *want = NULL;
	size_t have_len = 0, want_len = 0;
	FILE *mem;
	int rc;

	if (read_file(path, 64u << 20, &have, &have_len) < 0) {
		if (errno == ENOENT) {
			fprintf(out, "%s: differs from what the policy produces: the file is "
				"missing\n", path);
			rc = 1;
		} else {
			fprintf(stderr, "bpfgen: cannot read '%s': %s\n", path, strerror(errno));
			rc = -1;
		}
		free(path);
		return rc;
	}
	mem = open_memstream(&want, &want_len);
	if (!mem) {
		perror("bpfgen: open_memstream");
		free(have);
		free(path);
		return -1;
	}
	emit_go(mem, f, progs, n, info);
	fclose(mem);
	rc = source_diff(path, SOURCE_GO, have, have_len, want, want_len, out);
	free(want);
	free(have);
	free(path);
	return rc;
}

int gopkg_check(const char *path, const struct program *progs, size_t n,
		const struct emit_info *info, FILE *out)
{
	struct go_file files[GO_MAX_FILES];
	size_t nf = go_files(progs, n, files);
	char *dir = package_dir(path), *stale = NULL;
	int rc = 0;
	DIR *d;

	if (!dir)
		return -1;
	for (size_t i = 0; i < nf && rc == 0; i++)
		rc = check_file(dir, &files[i], progs, n, info, out);
	if (rc == 0 && (d = opendir(dir)) != NULL) {
		stale = next_stale(d, dir, files, nf);
		closedir(d);
	}
	if (stale) {
		char *p = join(dir, stale);

		fprintf(out, "%s: differs from what the policy produces: an extra file, for "
			"a program these options do not make (bpfgen -f go removes it)\n", p);
		free(p);
		free(stale);
		rc = 1;
	}
	free(dir);
	return rc;
}
