package schedule

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// CheckCalendar asks "systemd-analyze calendar" whether text is a calendar
// expression systemd accepts. It returns checked false, and no error, when
// systemd-analyze is not installed: systemd then checks the expression
// itself when it loads the timer (systemd-analyze ships in the same package,
// so only units written below a root folder on a machine without systemd
// go unchecked). A refused expression is an ErrInvalidSpec error of one
// line with systemd's reason.
func CheckCalendar(ctx context.Context, text string) (checked bool, err error) {
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		return false, nil
	}
	out, err := exec.CommandContext(ctx, bin, "calendar", "--", strings.TrimSpace(text)).CombinedOutput()
	if err == nil {
		return true, nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ctx.Err() != nil {
		return false, fmt.Errorf("check schedule %q with systemd-analyze: %w", text, err)
	}
	return true, fmt.Errorf("%w: schedule %q is not a systemd calendar expression such as \"daily\" or \"Mon..Fri *-*-* 02:00\" (see systemd.time(7))%s",
		ErrInvalidSpec, text, outputTail(out))
}
