package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenure-dev/tenure/store"
	"github.com/tenure-dev/tenure/task"
)

var taskOpen = store.TaskFilter{Status: task.Open}

func (a *app) taskCmd() *cobra.Command {
	c := &cobra.Command{Use: "task", Short: "Work that a human must do: list it, mark it done"}
	var tenant string
	c.PersistentFlags().StringVar(&tenant, "tenant", "", "tenant (optional when the config has one)")
	var format, status, who string
	list := &cobra.Command{
		Use:   "list [--tenant T] [--format json]",
		Short: "List tasks (open ones by default), most urgent first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			f := store.TaskFilter{Status: task.Status(status), PersonID: who}
			if status == "all" {
				f.Status = ""
			}
			ts, err := t.Tasks(cmd.Context(), f)
			if err != nil {
				return err
			}
			if format == "json" {
				if ts == nil {
					ts = []task.Task{}
				}
				return json.NewEncoder(a.out).Encode(ts)
			}
			now := time.Now()
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tDUE\tASSIGNEE\tINSTRUCTION\tREASON")
			for _, tk := range ts {
				due := tk.Due.Local().Format("2006-01-02 15:04")
				if tk.Overdue(now) {
					due += " OVERDUE"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", tk.ID, due, tk.Assignee, tk.Instruction, tk.Reason)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&format, "format", "text", "text or json")
	list.Flags().StringVar(&status, "status", "open", "open, done, cancelled or all")
	list.Flags().StringVar(&who, "person", "", "only this employee id's tasks")
	var note string
	done := &cobra.Command{
		Use:   "done ID [--note …]",
		Short: "Mark a task done: it becomes the known actual state and stops the leaver clock",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, _, closer, err := a.tenant(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			defer closer()
			tk, err := t.CompleteTask(cmd.Context(), args[0], note)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "task %s done: %s\n", tk.ID, tk.Instruction)
			return nil
		},
	}
	done.Flags().StringVar(&note, "note", "", "what was done, for the audit")
	c.AddCommand(list, done)
	return c
}
