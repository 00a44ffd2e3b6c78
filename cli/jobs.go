package cli

import (
	"context"
	"fmt"
	"regexp"
	"sort"

	"flinksim/flinkrest"
)

var (
	optAll       = option{short: "a", long: "all", help: "Show all programs and their JobIDs."}
	optRunning   = option{short: "r", long: "running", help: "Show only running programs and their JobIDs."}
	optScheduled = option{short: "s", long: "scheduled", help: "Show only scheduled programs and their JobIDs."}
	listOptions  = append([]option{optAll, optRunning, optScheduled}, commonOptions...)
)

// list is `flink list`: the jobs of a cluster, grouped as Flink groups them.
func (c *command) list(ctx context.Context, in []string) error {
	a, err := parseArgs(in, listOptions, false)
	if err != nil {
		return err
	}
	if a.has(optHelp) {
		fmt.Fprintln(c.env.Stdout, "Action \"list\" lists running and scheduled programs.\n\n  Syntax: list [OPTIONS]\n  \"list\" action options:")
		printOptions(c.env.Stdout, listOptions)
		return nil
	}
	if len(a.positional) > 0 {
		return usagef("unexpected argument %q: list takes only options", a.positional[0])
	}
	showAll := a.has(optAll)
	showRunning, showScheduled := a.has(optRunning), a.has(optScheduled)
	if !showAll && !showRunning && !showScheduled {
		showRunning, showScheduled = true, true
	}
	conf, err := c.configuration(a)
	if err != nil {
		return err
	}
	client, err := c.endpoint(ctx, conf, a)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, "Waiting for response...")
	jobs, err := client.JobsOverview(ctx)
	if err != nil {
		return restFailure("list the jobs", client, err)
	}
	// Flink's CliFrontend: CREATED and INITIALIZING are scheduled, the globally
	// terminal states terminated, and everything else — also a job still FAILING,
	// CANCELLING or SUSPENDED — running.
	var running, scheduled, terminated []flinkrest.JobStatus
	for _, j := range jobs {
		switch j.State {
		case "CREATED", "INITIALIZING":
			scheduled = append(scheduled, j)
		case "FINISHED", "CANCELED", "FAILED":
			terminated = append(terminated, j)
		default:
			running = append(running, j)
		}
	}
	out := c.env.Stdout
	if showRunning || showAll {
		if len(running) == 0 {
			fmt.Fprintln(out, "No running jobs.")
		} else {
			fmt.Fprintln(out, "------------------ Running/Restarting Jobs -------------------")
			c.printJobs(running)
			fmt.Fprintln(out, "--------------------------------------------------------------")
		}
	}
	if showScheduled || showAll {
		if len(scheduled) == 0 {
			fmt.Fprintln(out, "No scheduled jobs.")
		} else {
			fmt.Fprintln(out, "----------------------- Scheduled Jobs -----------------------")
			c.printJobs(scheduled)
			fmt.Fprintln(out, "--------------------------------------------------------------")
		}
	}
	if showAll && len(terminated) > 0 {
		fmt.Fprintln(out, "---------------------- Terminated Jobs -----------------------")
		c.printJobs(terminated)
		fmt.Fprintln(out, "--------------------------------------------------------------")
	}
	return nil
}

// printJobs prints jobs as Flink does: "dd.MM.yyyy HH:mm:ss : <id> : <name> (<state>)",
// by start time.
func (c *command) printJobs(jobs []flinkrest.JobStatus) {
	sort.SliceStable(jobs, func(i, j int) bool { return jobs[i].StartTime < jobs[j].StartTime })
	for _, j := range jobs {
		fmt.Fprintf(c.env.Stdout, "%s : %s : %s (%s)\n", j.Start().In(c.env.Location).Format("02.01.2006 15:04:05"), j.ID, j.Name, j.State)
	}
}

var jobIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// cancel is `flink cancel <jobId>`.
func (c *command) cancel(ctx context.Context, in []string) error {
	a, err := parseArgs(in, commonOptions, false)
	if err != nil {
		return err
	}
	if a.has(optHelp) {
		fmt.Fprintln(c.env.Stdout, "Action \"cancel\" cancels a running program.\n\n  Syntax: cancel [OPTIONS] <Job ID>\n  \"cancel\" action options:")
		printOptions(c.env.Stdout, commonOptions)
		return nil
	}
	switch len(a.positional) {
	case 0:
		return usagef("Missing JobID. Specify a JobID, as flink list shows it: flink cancel [OPTIONS] <Job ID>")
	case 1:
	default:
		return usagef("cancel takes one JobID, got %q", a.positional)
	}
	jobID := a.positional[0]
	if !jobIDPattern.MatchString(jobID) {
		return usagef("Cannot parse JobID from %q. The expected format is [0-9a-fA-F]{32}, e.g. fd72014d4c864993a2e5a9287b4a9c5d.", jobID)
	}
	conf, err := c.configuration(a)
	if err != nil {
		return err
	}
	client, err := c.endpoint(ctx, conf, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "Cancelling job %s.\n", jobID)
	if err := client.CancelJob(ctx, jobID); err != nil {
		if flinkrest.IsNotFound(err) {
			return fmt.Errorf("could not cancel job %s: the JobManager at %s does not know it (flink list shows the jobs it knows): %w",
				jobID, client.URL(), err)
		}
		return restFailure("cancel job "+jobID, client, err)
	}
	fmt.Fprintf(c.env.Stdout, "Cancelled job %s.\n", jobID)
	return nil
}
