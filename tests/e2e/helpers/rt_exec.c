/* rt_exec: installs a raw filter (bpfgen -f raw) through bpfrt, then execs
 * a command under it. The tests run it as a child process, so the filter
 * never touches the test runner. Nothing but execve is called between the
 * install and the exec: the filter decides the command's calls only.
 * usage: rt_exec FILTER.bpf COMMAND [ARGS...]
 * Exit status: the command's; 125 when the filter cannot be read or
 * installed (said on stderr). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/bpfrt.h"

static int load(const char *path, struct sock_fprog *prog)
{
	static struct sock_filter insns[4096];
	FILE *f = fopen(path, "rb");
	unsigned char b[8];
	size_t n = 0;

	if (!f)
		return -1;
	while (n < 4096 && fread(b, 1, 8, f) == 8) {
		insns[n].code = (uint16_t)(b[0] | b[1] << 8);
		insns[n].jt = b[2];
		insns[n].jf = b[3];
		insns[n].k = (uint32_t)b[4] | (uint32_t)b[5] << 8 |
			     (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
		n++;
	}
	fclose(f);
	prog->len = (unsigned short)n;
	prog->filter = insns;
	return n ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sock_fprog prog;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: rt_exec FILTER.bpf COMMAND [ARGS...]\n");
		return 125;
	}
	if (load(argv[1], &prog) != 0) {
		fprintf(stderr, "rt_exec: %s: cannot read the filter\n", argv[1]);
		return 125;
	}
	fflush(NULL);
	r = bpfrt_install(&prog, 0);
	if (r != 0) {
		fprintf(stderr, "rt_exec: install: %s\n", strerror(-r));
		return 125;
	}
	execvp(argv[2], argv + 2);
	_exit(127);
}
