package load

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// P256Verify measures one ecdsa.VerifyASN1 of a P-256/SHA-256 signature
// (the digest computed outside the loop): CPU time per verification of the
// calling thread (getrusage(2) RUSAGE_THREAD, so that other processes
// sharing the cores do not count), over about d of work.
func P256Verify(d time.Duration) time.Duration {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	h := sha256.Sum256([]byte("load"))
	sig, _ := ecdsa.SignASN1(rand.Reader, k, h[:])
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	t0 := ThreadCPU()
	n := 0
	for time.Since(start) < d || n < 10 {
		if !ecdsa.VerifyASN1(&k.PublicKey, h[:], sig) {
			panic("load: P-256 verification failed")
		}
		n++
	}
	return (ThreadCPU() - t0) / time.Duration(n)
}

// ThreadCPU returns the CPU time of the calling OS thread (getrusage(2)
// RUSAGE_THREAD); lock the goroutine to its thread around a measurement.
func ThreadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
