// Package lifecycle runs a server's background work in one stated order.
//
// Wiring builds every service and adds its background work here as a Task,
// starting nothing. Once wiring is done, Start starts the tasks in the order
// they were added, each one running before the next starts; Stop stops them
// in the reverse order, waiting for each. A task added after Start is a
// wiring bug and panics, so nothing can begin work behind the group's back.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Task is one piece of background work.
type Task struct {
	Name string
	// Start begins the work and returns once it is running; it must not
	// block for the life of the work. ctx ends when the group stops.
	Start func(ctx context.Context) error
	// Stop ends the work and returns once it has stopped. It may be nil
	// when cancelling Start's ctx is enough and there is nothing to wait for.
	Stop func() error
}

// Loop is a Task for a blocking run function: it runs in its own goroutine
// until its context ends, and Stop waits for it to return.
func Loop(name string, run func(ctx context.Context)) Task {
	var cancel context.CancelFunc
	done := make(chan struct{})
	return Task{
		Name: name,
		Start: func(ctx context.Context) error {
			ctx, cancel = context.WithCancel(ctx)
			go func() {
				defer close(done)
				run(ctx)
			}()
			return nil
		},
		Stop: func() error {
			cancel()
			<-done
			return nil
		},
	}
}

// Group is the ordered set of a server's tasks.
type Group struct {
	log *slog.Logger

	mu      sync.Mutex
	tasks   []Task
	started int // how many tasks were started (and so need stopping)
	sealed  bool
	cancel  context.CancelFunc
}

// New returns an empty group that logs each start and stop at debug level
// (and a slow stop as a warning).
func New(log *slog.Logger) *Group {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Group{log: log}
}

// Add appends a task. It panics once Start has been called.
func (g *Group) Add(t Task) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sealed {
		panic("lifecycle: task " + t.Name + " added after Start")
	}
	if t.Start == nil {
		panic("lifecycle: task " + t.Name + " has no Start")
	}
	g.tasks = append(g.tasks, t)
}

// Names lists the tasks in start order.
func (g *Group) Names() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, len(g.tasks))
	for i, t := range g.tasks {
		out[i] = t.Name
	}
	return out
}

// Start starts every task in order. If one fails, those already started are
// stopped in reverse order and the error is returned. Start runs once.
func (g *Group) Start(ctx context.Context) error {
	g.mu.Lock()
	if g.sealed {
		g.mu.Unlock()
		return errors.New("lifecycle: started twice")
	}
	g.sealed = true
	ctx, g.cancel = context.WithCancel(ctx)
	tasks := g.tasks
	g.mu.Unlock()
	for i, t := range tasks {
		g.log.Debug("starting", "task", t.Name)
		if err := t.Start(ctx); err != nil {
			g.setStarted(i)
			return errors.Join(fmt.Errorf("lifecycle: start %s: %w", t.Name, err), g.Stop())
		}
		g.setStarted(i + 1)
	}
	return nil
}

func (g *Group) setStarted(n int) {
	g.mu.Lock()
	g.started = n
	g.mu.Unlock()
}

// slowStop is when a stop that is still running is logged as a warning.
const slowStop = 10 * time.Second

// Stop stops the started tasks, last started first, waiting for each. It is
// safe to call more than once; later calls do nothing.
func (g *Group) Stop() error {
	g.mu.Lock()
	n := g.started
	g.started = 0
	tasks := g.tasks
	cancel := g.cancel
	g.mu.Unlock()
	var errs []error
	for i := n - 1; i >= 0; i-- {
		t := tasks[i]
		if t.Stop == nil {
			continue
		}
		g.log.Debug("stopping", "task", t.Name)
		warn := time.AfterFunc(slowStop, func() { g.log.Warn("still stopping", "task", t.Name, "after", slowStop) })
		if err := t.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("lifecycle: stop %s: %w", t.Name, err))
		}
		warn.Stop()
	}
	if cancel != nil {
		cancel()
	}
	return errors.Join(errs...)
}
