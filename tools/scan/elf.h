/* syscall-scan's ELF reader: one 64-bit little-endian x86_64 or aarch64
 * executable or shared object, mapped read-only, with what the analysis
 * needs from it (code sections, symbols, relocations, the dynamic section's
 * entry points and libraries, .eh_frame_hdr's function starts). No
 * disassembler here. */
#ifndef SCAN_ELF_H
#define SCAN_ELF_H

#include <stddef.h>
#include <stdint.h>

enum scan_machine { MACH_X86_64, MACH_AARCH64 };

struct elf_sect {
	const char *name;
	uint64_t addr, size, offset;
	uint32_t type;
	uint64_t flags;
};

struct elf_seg {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags;
};

struct elf_sym {
	const char *name;
	uint64_t value, size;
	uint8_t type, bind;
	uint8_t defined;
	uint8_t dynamic;  /* from .dynsym: visible to other modules */
};

/* Relocation kinds that matter: what a word of data will hold. */
enum reloc_kind {
	RK_OTHER,
	RK_ABS,       /* symbol + addend (R_X86_64_64, R_AARCH64_ABS64) */
	RK_GLOB_DAT,  /* symbol's address in a GOT slot */
	RK_JUMP_SLOT, /* a PLT's GOT slot */
	RK_RELATIVE,  /* load base + addend */
	RK_IRELATIVE  /* what the resolver at addend returns */
};

struct elf_reloc {
	uint64_t offset;
	int64_t addend;
	const char *sym;  /* symbol name, or NULL */
	uint64_t symval;  /* the symbol's value when this file defines it */
	uint8_t kind, sym_defined;
};

struct elf_file {
	char *path;
	const uint8_t *data;
	size_t size;
	enum scan_machine machine;
	int type;                 /* ET_EXEC or ET_DYN */
	uint64_t entry;
	struct elf_sect *sects;
	size_t nsects;
	struct elf_seg *segs;     /* PT_LOAD only */
	size_t nsegs;
	char *interp;             /* PT_INTERP, or NULL */
	const char **needed;      /* DT_NEEDED */
	size_t nneeded;
	const char *runpath;      /* DT_RUNPATH, else DT_RPATH, or NULL */
	const char *soname;
	uint64_t init, fini;      /* DT_INIT, DT_FINI (0: none) */
	uint64_t init_array[3][2];/* {addr, size} of PREINIT, INIT, FINI arrays */
	struct elf_sym *syms;     /* .symtab then .dynsym */
	size_t nsyms;
	struct elf_reloc *relocs; /* sorted by offset */
	size_t nrelocs;
	uint64_t *fde_starts;     /* function starts from .eh_frame_hdr */
	size_t nfde;
	int is_go;                /* a Go binary (.go.buildinfo / Go note) */
	char build_id[129];       /* NT_GNU_BUILD_ID in hex, or "" */
	struct elf_file *debug;   /* its separate debug file, or NULL */
};

/* Reads the separate debug file of EF (SYSROOT/usr/lib/debug/.build-id/
 * XX/YYYY.debug, as gdb finds it) into EF->debug when there is one: its
 * symbol table names the file's local functions and gives its objects'
 * sizes. 0 (whether or not there was one), -1 out of memory. */
int elf_load_debug(struct elf_file *ef, const char *sysroot);
/* The symbol of type OBJECT (from the file's or its debug file's symbol
 * table) whose extent holds VADDR, or NULL. */
const struct elf_sym *elf_object_at(const struct elf_file *ef, uint64_t vaddr);

/* Maps PATH and reads it. 0 on success; -1 with a reason in ERR. */
int elf_open(const char *path, struct elf_file *ef, char *err, size_t errlen);
void elf_close(struct elf_file *ef);

/* Pointer to LEN bytes of file contents at virtual address VADDR, or NULL
 * when they are not all in the file (e.g. .bss). */
const uint8_t *elf_at(const struct elf_file *ef, uint64_t vaddr, size_t len);
/* The relocation applied at VADDR, or NULL. */
const struct elf_reloc *elf_reloc_at(const struct elf_file *ef, uint64_t vaddr);
/* 1 if VADDR is inside an executable section (or, without section
 * headers, an executable segment). */
int elf_is_code(const struct elf_file *ef, uint64_t vaddr);
/* The 8-byte word at VADDR as the loader leaves it (relative to the load
 * base): a RELATIVE/IRELATIVE relocation's addend, a locally defined
 * symbol's value for symbol relocations, else the file's contents. 0 and
 * *OUT on success; -1 if unknown (undefined symbol, not in the file). */
int elf_word(const struct elf_file *ef, uint64_t vaddr, uint64_t *out);

#endif
