/* syscall-scan's ELF reader (tools/scan/elf.c) on a shared object built
 * byte by byte here: sections, symbols and object sizes, RELA and packed
 * RELR relocations and the words they leave, the dynamic section's
 * libraries, run path and init arrays, the build ID; and files that are
 * not ELF, cut short or for another machine give an error, not a crash. */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/scan/elf.h"

#ifndef SHT_RELR
#define SHT_RELR 19
#endif

/* File layout (file offset == virtual address). */
enum {
	TEXT = 0x200, DATA = 0x300, DYN = 0x400, DYNSTR = 0x500, SYMTAB = 0x580,
	STRTAB = 0x600, RELA = 0x680, RELR = 0x700, NOTE = 0x740, SHSTR = 0x780,
	SHDRS = 0x800, NSECT = 12, SIZE = SHDRS + NSECT * 64,
};

static uint8_t image[SIZE];

static void put(uint64_t off, const void *p, size_t n)
{
	cr_assert_leq(off + n, sizeof image);
	memcpy(image + off, p, n);
}

static void put64(uint64_t off, uint64_t v)
{
	put(off, &v, 8);
}

static size_t shstr_len;
static uint32_t shname(const char *name)
{
	uint32_t at = (uint32_t)shstr_len;
	put(SHSTR + shstr_len, name, strlen(name) + 1);
	shstr_len += strlen(name) + 1;
	return at;
}

static void section(int i, const char *name, uint32_t type, uint64_t flags, uint64_t off,
		    uint64_t size, uint32_t link, uint64_t entsize)
{
	Elf64_Shdr sh = { .sh_name = shname(name), .sh_type = type, .sh_flags = flags,
			  .sh_addr = type == SHT_SYMTAB || type == SHT_STRTAB ? 0 : off,
			  .sh_offset = off, .sh_size = size, .sh_link = link,
			  .sh_addralign = 8, .sh_entsize = entsize };
	put(SHDRS + (uint64_t)i * sizeof sh, &sh, sizeof sh);
}

/* A small x86_64 shared object: func at TEXT, the object obj (8 bytes) at
 * DATA+0x10, three words of DATA relocated. */
static void build(void)
{
	memset(image, 0, sizeof image);
	shstr_len = 1;
	Elf64_Ehdr eh = { .e_type = ET_DYN, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_entry = TEXT, .e_phoff = 64, .e_shoff = SHDRS,
			  .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
			  .e_phnum = 2, .e_shentsize = sizeof(Elf64_Shdr), .e_shnum = NSECT,
			  .e_shstrndx = 11 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	put(0, &eh, sizeof eh);
	Elf64_Phdr load = { .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = 0,
			    .p_vaddr = 0, .p_filesz = SHDRS, .p_memsz = SHDRS + 0x100 };
	Elf64_Phdr dyn = { .p_type = PT_DYNAMIC, .p_flags = PF_R, .p_offset = DYN,
			   .p_vaddr = DYN, .p_filesz = 7 * 16, .p_memsz = 7 * 16 };
	put(64, &load, sizeof load);
	put(64 + sizeof load, &dyn, sizeof dyn);

	static const uint8_t code[] = { 0x31, 0xc0, 0xc3, 0x90 };   /* xor eax,eax; ret */
	put(TEXT, code, sizeof code);
	put64(DATA + 0x18, 0x1234);                 /* RELR: its value, relative */
	put64(DATA + 0x28, 0x2000);                 /* RELR bitmap: word DATA+0x28 */

	static const char dynstr[] = "\0libfoo.so\0libself.so\0$ORIGIN/lib";
	put(DYNSTR, dynstr, sizeof dynstr);
	const Elf64_Dyn dents[] = {
		{ DT_NEEDED, { 1 } }, { DT_SONAME, { 11 } }, { DT_RUNPATH, { 22 } },
		{ DT_INIT_ARRAY, { DATA } }, { DT_INIT_ARRAYSZ, { 8 } },
		{ DT_STRTAB, { DYNSTR } }, { DT_NULL, { 0 } },
	};
	put(DYN, dents, sizeof dents);

	static const char strtab[] = "\0func\0obj";
	put(STRTAB, strtab, sizeof strtab);
	Elf64_Sym syms[3] = { { 0 } };
	syms[1] = (Elf64_Sym){ .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
			       .st_shndx = 1, .st_value = TEXT, .st_size = 4 };
	syms[2] = (Elf64_Sym){ .st_name = 6, .st_info = ELF64_ST_INFO(STB_LOCAL, STT_OBJECT),
			       .st_shndx = 2, .st_value = DATA + 0x10, .st_size = 8 };
	put(SYMTAB, syms, sizeof syms);

	const Elf64_Rela rela[] = {
		{ DATA, ELF64_R_INFO(0, R_X86_64_RELATIVE), TEXT },
		{ DATA + 8, ELF64_R_INFO(1, R_X86_64_64), 2 },
	};
	put(RELA, rela, sizeof rela);
	put64(RELR, DATA + 0x18);                   /* an address */
	put64(RELR + 8, 1 | 1ull << 2);              /* bit 1 (+8): DATA+0x28 */

	static const uint8_t note[] = { 4, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0,
					1, 2, 3, 4, 5, 6, 7, 8 };
	put(NOTE, note, sizeof note);

	section(1, ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, TEXT, sizeof code, 0, 0);
	section(2, ".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, DATA, 0x40, 0, 0);
	section(3, ".dynamic", SHT_DYNAMIC, SHF_ALLOC | SHF_WRITE, DYN, sizeof dents, 4, 16);
	section(4, ".dynstr", SHT_STRTAB, SHF_ALLOC, DYNSTR, sizeof dynstr, 0, 0);
	section(5, ".symtab", SHT_SYMTAB, 0, SYMTAB, sizeof syms, 6, sizeof(Elf64_Sym));
	section(6, ".strtab", SHT_STRTAB, 0, STRTAB, sizeof strtab, 0, 0);
	section(7, ".rela.dyn", SHT_RELA, SHF_ALLOC, RELA, sizeof rela, 5, sizeof(Elf64_Rela));
	section(8, ".relr.dyn", SHT_RELR, SHF_ALLOC, RELR, 16, 0, 8);
	section(9, ".note.gnu.build-id", SHT_NOTE, SHF_ALLOC, NOTE, sizeof note, 0, 0);
	section(10, ".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, SHDRS, 0x100, 0, 0);
	section(11, ".shstrtab", SHT_STRTAB, 0, SHSTR, 0x80, 0, 0);
}

/* Writes LEN bytes of the image to a temporary file; its path. */
static char *write_image(size_t len)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/scan-elf-XXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, image, len), (ssize_t)len);
	close(fd);
	return path;
}

static const struct elf_sym *sym(const struct elf_file *ef, const char *name)
{
	for (size_t i = 0; i < ef->nsyms; i++)
		if (strcmp(ef->syms[i].name, name) == 0)
			return &ef->syms[i];
	return NULL;
}

Test(scan_elf, reads_what_the_analysis_needs)
{
	build();
	char *path = write_image(SIZE);
	struct elf_file ef;
	char err[256];
	cr_assert_eq(elf_open(path, &ef, err, sizeof err), 0, "%s", err);
	unlink(path);
	cr_assert_eq(ef.machine, MACH_X86_64);
	cr_assert_eq(ef.type, ET_DYN);
	cr_assert_eq(ef.entry, TEXT);
	cr_assert(elf_is_code(&ef, TEXT + 2));
	cr_assert_not(elf_is_code(&ef, DATA));
	/* Symbols, and the object a word belongs to. */
	const struct elf_sym *f = sym(&ef, "func"), *o = sym(&ef, "obj");
	cr_assert(f && f->type == STT_FUNC && f->defined && f->value == TEXT);
	cr_assert(o && o->type == STT_OBJECT && o->size == 8 && o->bind == STB_LOCAL);
	cr_assert_eq(elf_object_at(&ef, DATA + 0x14), o);
	cr_assert_null(elf_object_at(&ef, DATA + 0x18));
	/* The dynamic section. */
	cr_assert_eq(ef.nneeded, 1);
	cr_assert_str_eq(ef.needed[0], "libfoo.so");
	cr_assert_str_eq(ef.soname, "libself.so");
	cr_assert_str_eq(ef.runpath, "$ORIGIN/lib");
	cr_assert_eq(ef.init_array[1][0], DATA);
	cr_assert_eq(ef.init_array[1][1], 8);
	cr_assert_str_eq(ef.build_id, "0102030405060708");
	/* Relocated words as the loader leaves them (relative to the base). */
	uint64_t w;
	const struct elf_reloc *r = elf_reloc_at(&ef, DATA);
	cr_assert(r && r->kind == RK_RELATIVE && r->addend == TEXT);
	cr_assert_eq(elf_word(&ef, DATA, &w), 0);
	cr_assert_eq(w, TEXT);
	r = elf_reloc_at(&ef, DATA + 8);
	cr_assert(r && r->kind == RK_ABS && r->sym && strcmp(r->sym, "func") == 0);
	cr_assert_eq(elf_word(&ef, DATA + 8, &w), 0);
	cr_assert_eq(w, TEXT + 2);
	r = elf_reloc_at(&ef, DATA + 0x18);
	cr_assert(r && r->kind == RK_RELATIVE && r->addend == 0x1234, "RELR address entry");
	r = elf_reloc_at(&ef, DATA + 0x28);
	cr_assert(r && r->kind == RK_RELATIVE && r->addend == 0x2000, "RELR bitmap entry");
	cr_assert_null(elf_reloc_at(&ef, DATA + 0x20));
	/* Past the file (.bss): no contents. */
	cr_assert_null(elf_at(&ef, SHDRS + 0x10, 8));
	cr_assert_neq(elf_word(&ef, SHDRS + 0x10, &w), 0);
	elf_close(&ef);
}

Test(scan_elf, no_debug_file_is_no_error)
{
	build();
	char *path = write_image(SIZE);
	struct elf_file ef;
	char err[256];
	cr_assert_eq(elf_open(path, &ef, err, sizeof err), 0, "%s", err);
	unlink(path);
	cr_assert_eq(elf_load_debug(&ef, "/nonexistent-sysroot"), 0);
	cr_assert_null(ef.debug);
	elf_close(&ef);
}

Test(scan_elf, refuses_what_it_cannot_read)
{
	struct elf_file ef;
	char err[256];
	build();
	char *path = write_image(40);               /* shorter than a header */
	cr_assert_neq(elf_open(path, &ef, err, sizeof err), 0);
	cr_assert(strstr(err, "not an ELF file"), "%s", err);
	unlink(path);

	build();
	image[EI_CLASS] = ELFCLASS32;
	path = write_image(SIZE);
	cr_assert_neq(elf_open(path, &ef, err, sizeof err), 0);
	cr_assert(strstr(err, "64-bit"), "%s", err);
	unlink(path);

	build();
	image[EI_DATA] = ELFDATA2MSB;
	path = write_image(SIZE);
	cr_assert_neq(elf_open(path, &ef, err, sizeof err), 0);
	unlink(path);

	build();
	image[0] = 'X';
	path = write_image(SIZE);
	cr_assert_neq(elf_open(path, &ef, err, sizeof err), 0);
	unlink(path);

	cr_assert_neq(elf_open("/nonexistent/file", &ef, err, sizeof err), 0);
}

Test(scan_elf, cut_short_gives_less_never_a_crash)
{
	/* Every length: an error, or a file with what fits. */
	build();
	for (size_t len = 64; len <= SIZE; len += 24) {
		char *path = write_image(len);
		struct elf_file ef;
		char err[256];
		if (elf_open(path, &ef, err, sizeof err) == 0) {
			uint64_t w;
			(void)elf_word(&ef, DATA, &w);
			(void)elf_object_at(&ef, DATA + 0x10);
			elf_close(&ef);
		}
		unlink(path);
	}
}
