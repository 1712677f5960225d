#ifndef BPFGEN_VERSION_H
#define BPFGEN_VERSION_H
#define BPFGEN_VERSION "0.1.0"
#endif
