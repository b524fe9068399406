//go:build linux

// Command rss is scripts/bench.sh's measuring tool. It runs one command and
// reports its wall time, CPU time and peak memory, sampling
// /proc/PID/status every 10 ms: RssAnon (heap, stacks: what the process
// really costs) apart from RssFile (file-backed pages such as Badger's mmap
// of its value log, which the kernel reclaims at will).
//
//	rss [-o FILE] [-interval D] -- CMD [ARG...]
//	    runs CMD with its standard output to FILE (default /dev/null) and
//	    prints one line on standard output:
//	    wall_s=… user_s=… sys_s=… anon_kib=… file_kib=… maxrss_kib=… samples=…
//	    It exits with CMD's exit code.
//	rss gen SIZE FILE
//	    writes SIZE bytes (suffixes K, M, G) of seeded pseudo-random data.
//	rss cold FILE...
//	    syncs each file and drops it from the page cache, so that the next
//	    read of it comes from the disk.
//
// It is not part of tvault; it uses the standard library and x/sys only. It
// is Linux-only (/proc, fdatasync, fadvise), as scripts/bench.sh is.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "cold" {
		for _, p := range os.Args[2:] {
			if err := cold(p); err != nil {
				fatalf("%v", err)
			}
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "gen" {
		if len(os.Args) != 4 {
			fatalf("usage: rss gen SIZE FILE")
		}
		size, err := parseSize(os.Args[2])
		if err != nil {
			fatalf("%v", err)
		}
		if err := gen(os.Args[3], size); err != nil {
			fatalf("%v", err)
		}
		return
	}
	out := flag.String("o", os.DevNull, "write the command's standard output to `FILE`")
	interval := flag.Duration("interval", 10*time.Millisecond, "sampling interval")
	flag.Parse()
	if flag.NArg() == 0 {
		fatalf("usage: rss [-o FILE] [-interval D] -- CMD [ARG...]")
	}
	os.Exit(measure(flag.Args(), *out, *interval))
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "rss: "+format+"\n", args...)
	os.Exit(2)
}

func measure(argv []string, out string, interval time.Duration) int {
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		fatalf("%v", err)
	}
	defer f.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, f, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fatalf("%v", err)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var anon, file, samples uint64
	sample := func() {
		a, fl, ok := readStatus(status)
		if ok {
			anon, file = max(anon, a), max(file, fl)
			samples++
		}
	}
	sample()
	t := time.NewTicker(interval)
	defer t.Stop()
	var werr error
loop:
	for {
		select {
		case werr = <-done:
			break loop
		case <-t.C:
			sample()
		}
	}
	wall := time.Since(start)
	ps := cmd.ProcessState
	var maxrss int64
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		maxrss = ru.Maxrss
	}
	fmt.Printf("wall_s=%.6f user_s=%.3f sys_s=%.3f anon_kib=%d file_kib=%d maxrss_kib=%d samples=%d\n",
		wall.Seconds(), ps.UserTime().Seconds(), ps.SystemTime().Seconds(), anon, file, maxrss, samples)
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		return max(ee.ExitCode(), 1)
	}
	if werr != nil {
		fatalf("%v", werr)
	}
	return 0
}

// readStatus returns RssAnon and RssFile in KiB from a /proc/PID/status
// file, which stays readable for a process that made itself non-dumpable.
func readStatus(path string) (anon, file uint64, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, found := strings.Cut(sc.Text(), ":")
		if !found {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "RssAnon":
			anon, ok = n, true
		case "RssFile":
			file = n
		}
	}
	return anon, file, ok
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

// cold writes a file's dirty pages to disk and drops it from the page cache,
// so that the next read of it comes from the disk and no writeback of it
// competes with the next measurement.
func cold(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}

func gen(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	rng := rand.NewChaCha8([32]byte{'t', 'v', 'a', 'u', 'l', 't', '-', 'b', 'e', 'n', 'c', 'h'})
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(int64(len(buf)), left)
		rng.Read(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			return err
		}
		left -= n
	}
	return f.Close()
}
