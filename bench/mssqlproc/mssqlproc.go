// Package mssqlproc runs the TDS test server (mssql/mssqltest/cmd/mssqltest)
// in a process of its own for the benchmarks, so that the CPU time and
// peak RSS they measure are the client's alone.
package mssqlproc

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// Server is a running mssqltest process.
type Server struct {
	// URL is the server's URL as it printed it (no password).
	URL string
	cmd *exec.Cmd
}

// Start runs the mssqltest command at path with args (-addr 127.0.0.1:0
// first) and returns it once it has printed its URL.
func Start(path string, args ...string) (*Server, error) {
	cmd := exec.Command(path, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	s := &Server{cmd: cmd}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("%s printed no URL: %w", path, err)
	}
	s.URL = strings.TrimSpace(line)
	return s, nil
}

// Stop interrupts the server, waits for it to exit and returns its
// resource usage (CPU time, peak RSS), nil if there is none.
func (s *Server) Stop() *syscall.Rusage {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
	if s.cmd.ProcessState == nil {
		return nil
	}
	ru, _ := s.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return ru
}
