//! The Rust side of tests/e2e/test_vendor.py: installs the module bpfgen
//! -f rust wrote from tests/e2e/policies/vendor.policy (`filter.rs`
//! beside this file), with several threads already running, and prints
//! what each thread's calls return. The filter is installed here, in a
//! process of its own, never in pytest.
//!
//! usage: main tsync|kill

use std::os::raw::c_long;
use std::sync::{mpsc, Arc, Barrier};
use std::thread;

mod filter;

const THREADS: usize = 4;

extern "C" {
    fn syscall(number: c_long, ...) -> c_long;
}

// x86_64 and aarch64 syscall numbers: the ones this test calls.
#[cfg(target_arch = "x86_64")]
mod nr {
    pub const GETPGID: i64 = 121;
    pub const GETPRIORITY: i64 = 140;
    pub const GETTID: i64 = 186;
    pub const SOCKET: i64 = 41;
}
#[cfg(target_arch = "aarch64")]
mod nr {
    pub const GETPGID: i64 = 155;
    pub const GETPRIORITY: i64 = 141;
    pub const GETTID: i64 = 178;
    pub const SOCKET: i64 = 198;
}

/// What system call NR with arguments A and B returned.
fn call(nr: i64, a: i64, b: i64) -> String {
    let rc = unsafe { syscall(nr as c_long, a as c_long, b as c_long) };
    if rc == -1 {
        format!("errno {}", std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        "ok".to_string()
    }
}

fn report(who: &str) -> String {
    format!(
        "{}: getpgid {}, getpriority(PRIO_USER) {}, getpriority(PRIO_PROCESS) {}",
        who,
        call(nr::GETPGID, 0, 0),
        call(nr::GETPRIORITY, 2, 0),
        call(nr::GETPRIORITY, 0, 0)
    )
}

fn gettid() -> i64 {
    unsafe { syscall(nr::GETTID as c_long) as i64 }
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let barrier = Arc::new(Barrier::new(THREADS + 1));
    let (tids, tid_rx) = mpsc::channel();
    let (lines, line_rx) = mpsc::channel();
    let mut handles = Vec::new();
    for _ in 0..THREADS {
        let (barrier, tids, lines) = (barrier.clone(), tids.clone(), lines.clone());
        handles.push(thread::spawn(move || {
            let tid = gettid();
            tids.send(tid).unwrap();
            barrier.wait(); // every thread runs before install()...
            barrier.wait(); // ...and calls after it
            lines.send(report(&format!("thread {}", tid))).unwrap();
        }));
    }
    let mut seen: Vec<i64> = (0..THREADS).map(|_| tid_rx.recv().unwrap()).collect();
    seen.push(gettid());
    seen.sort();
    seen.dedup();
    println!("threads: {} distinct", seen.len());
    barrier.wait();
    println!("{}", report("before"));
    if let Err(e) = filter::install() {
        println!("install: {}", e);
        std::process::exit(1);
    }
    println!("installed");
    println!("{}", report("installer"));
    barrier.wait();
    let mut out: Vec<String> = (0..THREADS).map(|_| line_rx.recv().unwrap()).collect();
    out.sort();
    for l in out {
        println!("{}", l);
    }
    for h in handles {
        h.join().unwrap();
    }
    if mode == "kill" {
        use std::io::Write;
        std::io::stdout().flush().unwrap();
        let rc = unsafe { syscall(nr::SOCKET as c_long, 1 as c_long, 1 as c_long, 0 as c_long) };
        println!("socket returned: {}", rc);
        std::process::exit(1);
    }
    println!("done");
}
