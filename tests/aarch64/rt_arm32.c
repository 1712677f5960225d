/* A 32-bit ARM program for the aarch64 VM: its system calls reach the
 * kernel with the ARM audit arch, so bpfgen's on-bad-arch must stop them. */
#include <unistd.h>

int main(void)
{
	static const char msg[] = "arm32 alive\n";

	return write(1, msg, sizeof msg - 1) == sizeof msg - 1 ? 0 : 1;
}
