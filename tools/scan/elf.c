/* syscall-scan: reads one ELF file (see elf.h). Every offset and size in
 * the file is checked against the mapping before it is used: a hostile or
 * truncated file gives an error or less information, never a crash. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/scan/elf.h"

#ifndef R_AARCH64_ABS64
#define R_AARCH64_ABS64 257
#endif

static int in_file(const struct elf_file *ef, uint64_t off, uint64_t len)
{
	return off <= ef->size && len <= ef->size - off;
}

/* NUL-terminated string at OFF inside the string table [TAB, TAB+TABLEN). */
static const char *str_at(const struct elf_file *ef, uint64_t tab,
			  uint64_t tablen, uint64_t off)
{
	if (!in_file(ef, tab, tablen) || off >= tablen)
		return NULL;
	const char *s = (const char *)ef->data + tab + off;
	if (!memchr(s, 0, tablen - off))
		return NULL;
	return s;
}

static const struct elf_sect *sect_by_name(const struct elf_file *ef,
					   const char *name)
{
	for (size_t i = 0; i < ef->nsects; i++)
		if (ef->sects[i].name && strcmp(ef->sects[i].name, name) == 0)
			return &ef->sects[i];
	return NULL;
}

const uint8_t *elf_at(const struct elf_file *ef, uint64_t vaddr, size_t len)
{
	for (size_t i = 0; i < ef->nsegs; i++) {
		const struct elf_seg *s = &ef->segs[i];
		if (vaddr < s->vaddr || vaddr - s->vaddr >= s->filesz ||
		    len > s->filesz - (vaddr - s->vaddr))
			continue;
		uint64_t off = s->offset + (vaddr - s->vaddr);
		if (in_file(ef, off, len))
			return ef->data + off;
	}
	return NULL;
}

int elf_is_code(const struct elf_file *ef, uint64_t vaddr)
{
	if (ef->nsects) {
		for (size_t i = 0; i < ef->nsects; i++) {
			const struct elf_sect *s = &ef->sects[i];
			if ((s->flags & SHF_EXECINSTR) && (s->flags & SHF_ALLOC) &&
			    s->type == SHT_PROGBITS && vaddr >= s->addr &&
			    vaddr - s->addr < s->size)
				return 1;
		}
		return 0;
	}
	for (size_t i = 0; i < ef->nsegs; i++)
		if ((ef->segs[i].flags & PF_X) && vaddr >= ef->segs[i].vaddr &&
		    vaddr - ef->segs[i].vaddr < ef->segs[i].filesz)
			return 1;
	return 0;
}

const struct elf_reloc *elf_reloc_at(const struct elf_file *ef, uint64_t vaddr)
{
	size_t lo = 0, hi = ef->nrelocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ef->relocs[mid].offset < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ef->nrelocs && ef->relocs[lo].offset == vaddr ?
	       &ef->relocs[lo] : NULL;
}

int elf_word(const struct elf_file *ef, uint64_t vaddr, uint64_t *out)
{
	const struct elf_reloc *r = elf_reloc_at(ef, vaddr);
	if (r) {
		switch (r->kind) {
		case RK_RELATIVE:
		case RK_IRELATIVE:
			*out = (uint64_t)r->addend;
			return 0;
		case RK_ABS:
		case RK_GLOB_DAT:
		case RK_JUMP_SLOT:
			if (!r->sym_defined)
				return -1;
			*out = r->symval + (r->kind == RK_ABS ? (uint64_t)r->addend : 0);
			return 0;
		default:
			return -1;
		}
	}
	const uint8_t *p = elf_at(ef, vaddr, 8);
	if (!p)
		return -1;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	*out = v;
	return 0;
}

static uint8_t reloc_kind(enum scan_machine m, uint32_t type)
{
	if (m == MACH_X86_64) {
		switch (type) {
		case R_X86_64_64:        return RK_ABS;
		case R_X86_64_GLOB_DAT:  return RK_GLOB_DAT;
		case R_X86_64_JUMP_SLOT: return RK_JUMP_SLOT;
		case R_X86_64_RELATIVE:  return RK_RELATIVE;
		case R_X86_64_IRELATIVE: return RK_IRELATIVE;
		}
		return RK_OTHER;
	}
	switch (type) {
	case R_AARCH64_ABS64:     return RK_ABS;
	case R_AARCH64_GLOB_DAT:  return RK_GLOB_DAT;
	case R_AARCH64_JUMP_SLOT: return RK_JUMP_SLOT;
	case R_AARCH64_RELATIVE:  return RK_RELATIVE;
	case R_AARCH64_IRELATIVE: return RK_IRELATIVE;
	}
	return RK_OTHER;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	void *p = realloc(*arr, n * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = n;
	return 0;
}

/* Reads the symbol table section S (SHT_SYMTAB or SHT_DYNSYM). */
static int read_symtab(struct elf_file *ef, const Elf64_Shdr *sh, size_t shnum,
		       size_t idx, size_t *cap)
{
	const Elf64_Shdr *s = &sh[idx];
	if (s->sh_entsize != sizeof(Elf64_Sym) || !in_file(ef, s->sh_offset, s->sh_size) ||
	    s->sh_link >= shnum)
		return 0;
	const Elf64_Shdr *strs = &sh[s->sh_link];
	size_t n = s->sh_size / sizeof(Elf64_Sym);
	if (grow((void **)&ef->syms, cap, ef->nsyms + n, sizeof(*ef->syms)))
		return -1;
	for (size_t i = 1; i < n; i++) {
		Elf64_Sym sym;
		memcpy(&sym, ef->data + s->sh_offset + i * sizeof sym, sizeof sym);
		const char *name = str_at(ef, strs->sh_offset, strs->sh_size, sym.st_name);
		if (!name || !*name)
			continue;
		struct elf_sym *o = &ef->syms[ef->nsyms++];
		o->name = name;
		o->value = sym.st_value;
		o->size = sym.st_size;
		o->type = ELF64_ST_TYPE(sym.st_info);
		o->bind = ELF64_ST_BIND(sym.st_info);
		o->defined = sym.st_shndx != SHN_UNDEF;
		o->dynamic = s->sh_type == SHT_DYNSYM;
	}
	return 0;
}

static int read_rela(struct elf_file *ef, const Elf64_Shdr *sh, size_t shnum,
		     size_t idx, size_t *cap)
{
	const Elf64_Shdr *s = &sh[idx];
	if (s->sh_entsize != sizeof(Elf64_Rela) || !in_file(ef, s->sh_offset, s->sh_size))
		return 0;
	const Elf64_Shdr *symtab = s->sh_link && s->sh_link < shnum ? &sh[s->sh_link] : NULL;
	const Elf64_Shdr *strs = symtab && symtab->sh_link < shnum ? &sh[symtab->sh_link] : NULL;
	size_t n = s->sh_size / sizeof(Elf64_Rela);
	if (grow((void **)&ef->relocs, cap, ef->nrelocs + n, sizeof(*ef->relocs)))
		return -1;
	for (size_t i = 0; i < n; i++) {
		Elf64_Rela r;
		memcpy(&r, ef->data + s->sh_offset + i * sizeof r, sizeof r);
		struct elf_reloc *o = &ef->relocs[ef->nrelocs++];
		memset(o, 0, sizeof *o);
		o->offset = r.r_offset;
		o->addend = r.r_addend;
		o->kind = reloc_kind(ef->machine, (uint32_t)ELF64_R_TYPE(r.r_info));
		size_t si = ELF64_R_SYM(r.r_info);
		if (si && symtab && strs && symtab->sh_entsize == sizeof(Elf64_Sym) &&
		    in_file(ef, symtab->sh_offset, symtab->sh_size) &&
		    si < symtab->sh_size / sizeof(Elf64_Sym)) {
			Elf64_Sym sym;
			memcpy(&sym, ef->data + symtab->sh_offset + si * sizeof sym, sizeof sym);
			o->sym = str_at(ef, strs->sh_offset, strs->sh_size, sym.st_name);
			o->sym_defined = sym.st_shndx != SHN_UNDEF;
			o->symval = sym.st_value;
		}
	}
	return 0;
}

#ifndef SHT_RELR
#define SHT_RELR 19
#endif

static int add_relative(struct elf_file *ef, size_t *cap, uint64_t where)
{
	const uint8_t *p = elf_at(ef, where, 8);
	if (!p)
		return 0;
	if (grow((void **)&ef->relocs, cap, ef->nrelocs + 1, sizeof(*ef->relocs)))
		return -1;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	struct elf_reloc *o = &ef->relocs[ef->nrelocs++];
	memset(o, 0, sizeof *o);
	o->offset = where;
	o->addend = (int64_t)v;
	o->kind = RK_RELATIVE;
	return 0;
}

/* SHT_RELR: packed relative relocations. An even word is an address to
 * relocate; an odd one a bitmap of the 63 words after the last address. */
static int read_relr(struct elf_file *ef, const Elf64_Shdr *s, size_t *cap)
{
	if (!in_file(ef, s->sh_offset, s->sh_size))
		return 0;
	uint64_t base = 0;
	for (uint64_t off = 0; off + 8 <= s->sh_size; off += 8) {
		uint64_t w;
		memcpy(&w, ef->data + s->sh_offset + off, 8);
		if (!(w & 1)) {
			if (add_relative(ef, cap, w))
				return -1;
			base = w + 8;
			continue;
		}
		for (int bit = 1; bit < 64; bit++)
			if ((w >> bit) & 1 && add_relative(ef, cap, base + (uint64_t)(bit - 1) * 8))
				return -1;
		base += 63 * 8;
	}
	return 0;
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct elf_reloc *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int64_t sdata4(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

/* .eh_frame_hdr's search table: one function start per FDE. Only the
 * encodings every toolchain writes (udata4 count, datarel sdata4 table)
 * are read; others leave the list empty. */
static int read_eh_frame_hdr(struct elf_file *ef)
{
	uint64_t addr = 0, size = 0;
	const struct elf_sect *s = sect_by_name(ef, ".eh_frame_hdr");
	if (s) {
		addr = s->addr;
		size = s->size;
	}
	if (!size || size < 12)
		return 0;
	const uint8_t *p = elf_at(ef, addr, (size_t)size);
	if (!p || p[0] != 1 || p[2] != 0x03 || p[3] != 0x3b)
		return 0;
	size_t off = 4;
	if ((p[1] & 0x0f) == 0x0b || (p[1] & 0x0f) == 0x03)
		off += 4;
	else
		return 0;
	uint64_t count = (uint32_t)sdata4(p + off);
	off += 4;
	if (count > (size - off) / 8)
		return 0;
	ef->fde_starts = malloc((count ? count : 1) * sizeof(uint64_t));
	if (!ef->fde_starts)
		return -1;
	for (uint64_t i = 0; i < count; i++)
		ef->fde_starts[ef->nfde++] = addr + (uint64_t)sdata4(p + off + i * 8);
	qsort(ef->fde_starts, ef->nfde, sizeof(uint64_t), cmp_u64);
	return 0;
}

/* The GNU build ID note, as hex. */
static void read_build_id(struct elf_file *ef)
{
	for (size_t i = 0; i < ef->nsects; i++) {
		const struct elf_sect *s = &ef->sects[i];
		if (s->type != SHT_NOTE || !in_file(ef, s->offset, s->size))
			continue;
		const uint8_t *p = ef->data + s->offset;
		uint64_t off = 0;
		while (off + 12 <= s->size) {
			uint32_t namesz, descsz, type;
			memcpy(&namesz, p + off, 4);
			memcpy(&descsz, p + off + 4, 4);
			memcpy(&type, p + off + 8, 4);
			uint64_t name = off + 12, desc = name + ((namesz + 3u) & ~3u);
			if (desc > s->size || descsz > s->size - desc)
				break;
			if (type == NT_GNU_BUILD_ID && namesz == 4 &&
			    memcmp(p + name, "GNU", 4) == 0 && descsz && descsz <= 64) {
				for (uint32_t k = 0; k < descsz; k++)
					snprintf(ef->build_id + 2 * k, 3, "%02x", p[desc + k]);
				return;
			}
			off = desc + ((descsz + 3u) & ~3u);
		}
	}
}

int elf_load_debug(struct elf_file *ef, const char *sysroot)
{
	if (ef->debug || strlen(ef->build_id) < 4)
		return 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/usr/lib/debug/.build-id/%.2s/%s.debug",
		 sysroot && strcmp(sysroot, "/") ? sysroot : "", ef->build_id, ef->build_id + 2);
	struct elf_file *d = calloc(1, sizeof *d);
	if (!d)
		return -1;
	char err[256];
	if (elf_open(path, d, err, sizeof err) || d->machine != ef->machine ||
	    strcmp(d->build_id, ef->build_id) != 0) {
		if (d->data)
			elf_close(d);
		free(d);
		return 0;    /* none, or not this file's */
	}
	ef->debug = d;
	return 0;
}

static const struct elf_sym *object_in(const struct elf_file *ef, uint64_t vaddr)
{
	for (size_t i = 0; i < ef->nsyms; i++) {
		const struct elf_sym *s = &ef->syms[i];
		if (s->type == STT_OBJECT && s->defined && vaddr >= s->value &&
		    vaddr - s->value < (s->size ? s->size : 1))
			return s;
	}
	return NULL;
}

const struct elf_sym *elf_object_at(const struct elf_file *ef, uint64_t vaddr)
{
	const struct elf_sym *s = object_in(ef, vaddr);
	if (!s && ef->debug)
		s = object_in(ef->debug, vaddr);
	return s;
}

static void read_dynamic(struct elf_file *ef, uint64_t off, uint64_t size,
			 uint64_t stroff, uint64_t strsz)
{
	size_t n = size / sizeof(Elf64_Dyn), cap = 0;
	uint64_t runpath = 0, rpath = 0, soname = 0;
	int has_runpath = 0, has_rpath = 0, has_soname = 0;
	for (size_t i = 0; i < n; i++) {
		Elf64_Dyn d;
		memcpy(&d, ef->data + off + i * sizeof d, sizeof d);
		if (d.d_tag == DT_NULL)
			break;
		switch (d.d_tag) {
		case DT_NEEDED: {
			const char *name = str_at(ef, stroff, strsz, d.d_un.d_val);
			if (name && !grow((void **)&ef->needed, &cap, ef->nneeded + 1,
					  sizeof(char *)))
				ef->needed[ef->nneeded++] = name;
			break;
		}
		case DT_RUNPATH: runpath = d.d_un.d_val; has_runpath = 1; break;
		case DT_RPATH: rpath = d.d_un.d_val; has_rpath = 1; break;
		case DT_SONAME: soname = d.d_un.d_val; has_soname = 1; break;
		case DT_INIT: ef->init = d.d_un.d_ptr; break;
		case DT_FINI: ef->fini = d.d_un.d_ptr; break;
		case DT_PREINIT_ARRAY: ef->init_array[0][0] = d.d_un.d_ptr; break;
		case DT_PREINIT_ARRAYSZ: ef->init_array[0][1] = d.d_un.d_val; break;
		case DT_INIT_ARRAY: ef->init_array[1][0] = d.d_un.d_ptr; break;
		case DT_INIT_ARRAYSZ: ef->init_array[1][1] = d.d_un.d_val; break;
		case DT_FINI_ARRAY: ef->init_array[2][0] = d.d_un.d_ptr; break;
		case DT_FINI_ARRAYSZ: ef->init_array[2][1] = d.d_un.d_val; break;
		}
	}
	if (has_runpath)
		ef->runpath = str_at(ef, stroff, strsz, runpath);
	else if (has_rpath)
		ef->runpath = str_at(ef, stroff, strsz, rpath);
	if (has_soname)
		ef->soname = str_at(ef, stroff, strsz, soname);
}

int elf_open(const char *path, struct elf_file *ef, char *err, size_t errlen)
{
	memset(ef, 0, sizeof *ef);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		snprintf(err, errlen, "not an ELF file");
		close(fd);
		return -1;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	ef->data = m;
	ef->size = (size_t)st.st_size;
	ef->path = strdup(path);
	Elf64_Ehdr eh;
	memcpy(&eh, ef->data, sizeof eh);
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
		snprintf(err, errlen, "not an ELF file");
		goto fail;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    (eh.e_machine != EM_X86_64 && eh.e_machine != EM_AARCH64)) {
		snprintf(err, errlen, "not a 64-bit x86_64 or aarch64 ELF file "
			 "(class %u, machine %u)", eh.e_ident[EI_CLASS], eh.e_machine);
		goto fail;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		snprintf(err, errlen, "not an executable or shared object (ELF type %u)",
			 eh.e_type);
		goto fail;
	}
	ef->machine = eh.e_machine == EM_X86_64 ? MACH_X86_64 : MACH_AARCH64;
	ef->type = eh.e_type;
	ef->entry = eh.e_entry;

	/* Program headers: loadable segments, interpreter, dynamic section. */
	uint64_t dyn_off = 0, dyn_size = 0;
	if (eh.e_phentsize == sizeof(Elf64_Phdr) &&
	    in_file(ef, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr))) {
		ef->segs = calloc(eh.e_phnum ? eh.e_phnum : 1, sizeof *ef->segs);
		if (!ef->segs)
			goto oom;
		for (size_t i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			memcpy(&ph, ef->data + eh.e_phoff + i * sizeof ph, sizeof ph);
			if (ph.p_type == PT_LOAD && in_file(ef, ph.p_offset, ph.p_filesz)) {
				struct elf_seg *s = &ef->segs[ef->nsegs++];
				s->vaddr = ph.p_vaddr;
				s->memsz = ph.p_memsz;
				s->offset = ph.p_offset;
				s->filesz = ph.p_filesz;
				s->flags = ph.p_flags;
			} else if (ph.p_type == PT_INTERP && ph.p_filesz &&
				   in_file(ef, ph.p_offset, ph.p_filesz)) {
				ef->interp = strndup((const char *)ef->data + ph.p_offset,
						     ph.p_filesz);
			} else if (ph.p_type == PT_DYNAMIC && in_file(ef, ph.p_offset, ph.p_filesz)) {
				dyn_off = ph.p_offset;
				dyn_size = ph.p_filesz;
			}
		}
	}

	/* Section headers: names, symbols, relocations. */
	const Elf64_Shdr *sh = NULL;
	size_t shnum = eh.e_shnum;
	if (shnum && eh.e_shentsize == sizeof(Elf64_Shdr) &&
	    in_file(ef, eh.e_shoff, shnum * sizeof(Elf64_Shdr)) && eh.e_shoff % 8 == 0)
		sh = (const Elf64_Shdr *)(ef->data + eh.e_shoff);
	if (sh) {
		ef->sects = calloc(shnum, sizeof *ef->sects);
		if (!ef->sects)
			goto oom;
		const Elf64_Shdr *names = eh.e_shstrndx < shnum ? &sh[eh.e_shstrndx] : NULL;
		size_t symcap = 0, relcap = 0;
		uint64_t dynstr_off = 0, dynstr_size = 0;
		for (size_t i = 0; i < shnum; i++) {
			struct elf_sect *s = &ef->sects[ef->nsects++];
			s->name = names ? str_at(ef, names->sh_offset, names->sh_size, sh[i].sh_name) : NULL;
			s->addr = sh[i].sh_addr;
			s->size = sh[i].sh_size;
			s->offset = sh[i].sh_offset;
			s->type = sh[i].sh_type;
			s->flags = sh[i].sh_flags;
			if (sh[i].sh_type == SHT_DYNAMIC && sh[i].sh_link < shnum) {
				dynstr_off = sh[sh[i].sh_link].sh_offset;
				dynstr_size = sh[sh[i].sh_link].sh_size;
			}
		}
		for (size_t i = 0; i < shnum; i++) {
			int rc = 0;
			if (sh[i].sh_type == SHT_SYMTAB || sh[i].sh_type == SHT_DYNSYM)
				rc = read_symtab(ef, sh, shnum, i, &symcap);
			else if (sh[i].sh_type == SHT_RELA && (sh[i].sh_flags & SHF_ALLOC))
				rc = read_rela(ef, sh, shnum, i, &relcap);
			else if (sh[i].sh_type == SHT_RELR && (sh[i].sh_flags & SHF_ALLOC))
				rc = read_relr(ef, &sh[i], &relcap);
			if (rc)
				goto oom;
		}
		if (dyn_size && dynstr_size)
			read_dynamic(ef, dyn_off, dyn_size, dynstr_off, dynstr_size);
		if (sect_by_name(ef, ".go.buildinfo") || sect_by_name(ef, ".gopclntab"))
			ef->is_go = 1;
	}
	read_build_id(ef);
	if (ef->nrelocs)
		qsort(ef->relocs, ef->nrelocs, sizeof *ef->relocs, cmp_reloc);
	if (read_eh_frame_hdr(ef))
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	elf_close(ef);
	return -1;
}

void elf_close(struct elf_file *ef)
{
	if (ef->debug) {
		elf_close(ef->debug);
		free(ef->debug);
	}
	if (ef->data)
		munmap((void *)ef->data, ef->size);
	free(ef->path);
	free(ef->sects);
	free(ef->segs);
	free(ef->interp);
	free(ef->needed);
	free(ef->syms);
	free(ef->relocs);
	free(ef->fde_starts);
	memset(ef, 0, sizeof *ef);
}
