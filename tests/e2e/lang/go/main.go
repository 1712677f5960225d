// The Go side of tests/e2e/test_vendor.py (and of the aarch64 VM's
// go-vendored cases): installs the package bpfgen -f go wrote from
// tests/e2e/policies/vendor.policy, with several goroutines already locked
// to threads of their own, and prints what each thread's calls return.
// The filter is installed here, in a process of its own, never in pytest.
//
// usage: main tsync|no-tsync|kill
//
//	tsync     Install(): every thread is filtered
//	no-tsync  the same program installed without TSYNC, on the calling
//	          thread only (what Install must not do): the others are not
//	kill      Install(), then socket(2), which the policy kills

//go:build linux

package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"syscall"
	"unsafe"

	"vendortest/filter"
)

const threads = 4

// call describes what system call nr with these arguments returned.
func call(nr uintptr, args ...uintptr) string {
	a := [3]uintptr{}
	copy(a[:], args)
	_, _, e := syscall.RawSyscall(nr, a[0], a[1], a[2])
	if e != 0 {
		return fmt.Sprintf("errno %d", int(e))
	}
	return "ok"
}

// report is one line: the thread's id and what its calls return.
func report(who string) string {
	return fmt.Sprintf("%s: getpgid %s, getpriority(PRIO_USER) %s, getpriority(PRIO_PROCESS) %s",
		who, call(syscall.SYS_GETPGID, 0), call(syscall.SYS_GETPRIORITY, 2, 0),
		call(syscall.SYS_GETPRIORITY, 0, 0))
}

// installNoTsync installs filter.Filter on the calling thread only.
func installNoTsync() error {
	type sockFprog struct {
		len    uint16
		filter *filter.SockFilter
	}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, 38, 1, 0, 0, 0, 0); e != 0 {
		return e
	}
	prog := sockFprog{uint16(len(filter.Filter)), &filter.Filter[0]}
	// seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) through prctl(PR_SET_SECCOMP)
	_, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, 22, 2, uintptr(unsafe.Pointer(&prog)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: main tsync|no-tsync|kill")
		os.Exit(2)
	}
	mode := os.Args[1]
	runtime.LockOSThread()
	tids := make(chan int)
	start := make(chan struct{})
	lines := make(chan string)
	for i := 0; i < threads; i++ {
		go func() {
			// A locked goroutine has its thread to itself: threads+1
			// goroutines, threads+1 threads, all there before Install.
			runtime.LockOSThread()
			tid := syscall.Gettid()
			tids <- tid
			<-start
			lines <- report(fmt.Sprintf("thread %d", tid))
		}()
	}
	seen := map[int]bool{syscall.Gettid(): true}
	for i := 0; i < threads; i++ {
		seen[<-tids] = true
	}
	fmt.Printf("threads: %d distinct\n", len(seen))
	fmt.Println(report("before"))
	var err error
	if mode == "no-tsync" {
		err = installNoTsync()
	} else {
		err = filter.Install()
	}
	if err != nil {
		fmt.Printf("install: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("installed")
	fmt.Println(report("installer"))
	close(start)
	var out []string
	for i := 0; i < threads; i++ {
		out = append(out, <-lines)
	}
	sort.Strings(out)
	for _, l := range out {
		fmt.Println(l)
	}
	if mode == "kill" {
		os.Stdout.Sync()
		_, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		fmt.Printf("socket returned: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("done")
}
