package io.vettid.runtime.service;

import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a service's handlers: the one running for each eventId (created from its factory when
 * there is none, kept for the eventId's next event), on one handler thread, each event with its
 * factory's timeout; a handler that overruns is abandoned with its thread, and whatever a handler
 * throws quarantines its event, never the service. Poller thread only, but the handler thread.
 */
final class HandlerRunner {
  // the service's own log: these are its events
  private static final Logger LOG = LoggerFactory.getLogger(EventService.class);
  private static final int MAX_LIVE = 10_000;

  private final String name;
  private final Map<HandlerKey, Live> live = new LinkedHashMap<>(256, 0.75f, true) {
    @java.io.Serial private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<HandlerKey, Live> eldest) {
      return size() > MAX_LIVE;
    }
  };
  private ExecutorService executor = newExecutor();

  /**
   * A runner for one service.
   *
   * @param name the service's name, for its log
   */
  HandlerRunner(String name) {
    this.name = name;
  }

  /** A handler running for an eventId: its factory's name, the handler and its context. */
  record Live(String factory, EventHandler handler, BufferedContext ctx) {}

  /** How a job's handler ran: its context to commit, or the failure that quarantines its event. */
  record Run(BufferedContext ctx, FailureReason failure, String detail) {}

  /** Commits, or quarantines, one job whose handler ran. */
  @FunctionalInterface
  interface Commit {
    /**
     * Commits one job.
     *
     * @param job the job
     * @param run how its handler ran
     * @return whether the job was settled
     */
    boolean commit(HandlerJob job, Run run) throws InterruptedException;
  }

  /**
   * Forgets the handler of an eventId (it finished, or its event comes back to run again from the
   * committed state).
   *
   * @param id the eventId and its connection
   */
  void forget(HandlerKey id) {
    live.remove(id);
  }

  /** Stops the handler thread. */
  void close() {
    executor.shutdownNow();
  }

  /**
   * Finds or creates the job's handler (the one already running for its eventId, or a new one)
   * and opens its context on the last committed state.
   *
   * @return null when ready, or the failure that quarantines the event
   */
  Run prepare(HandlerJob job) {
    Live l = live.get(HandlerKey.of(job.event));
    if (l == null || !l.factory.equals(job.factory.name())) {
      BufferedContext ctx = new BufferedContext(job.event.eventId(), job.event.connectionId());
      EventHandler h;
      try {
        h = job.factory.create(ctx);
      } catch (RuntimeException e) {
        return new Run(null, FailureReason.HANDLER_FAILED,
            "handler " + job.factory.name() + " could not be created: " + e.getClass().getSimpleName());
      }
      if (h == null) {
        return new Run(null, FailureReason.HANDLER_FAILED, "handler " + job.factory.name() + " created no handler");
      }
      l = new Live(job.factory.name(), h, ctx);
      live.put(HandlerKey.of(job.event), l);
    }
    job.live = l;
    l.ctx.begin(job.rec == null ? null : job.rec.state);
    return null;
  }

  /**
   * Runs the jobs' handlers, in order, on the handler thread, in one hand-over (one wake-up of each
   * thread for the lot instead of one per event), each with its own timeout; then commits each.
   * The jobs have distinct eventIds. A handler that overruns its timeout is abandoned with its
   * thread (interrupted), its event quarantined ({@link FailureReason#HANDLER_TIMEOUT}), and the
   * jobs not yet started go on on a fresh thread.
   *
   * @param jobs the jobs, each prepared; emptied
   * @param commit commits (or quarantines) each job once its handler ran, in order
   * @return how many of the jobs were settled (committed or quarantined)
   */
  int run(List<HandlerJob> jobs, Commit commit) throws InterruptedException {
    if (jobs.isEmpty()) {
      return 0;
    }
    List<HandlerJob> todo = new ArrayList<>(jobs);
    jobs.clear();
    HandlerRun hr = new HandlerRun(todo, 0);
    executor.execute(hr);
    int done = 0;
    for (int i = 0; i < todo.size(); i++) {
      HandlerJob job = todo.get(i);
      BufferedContext ctx = job.live.ctx;
      Run run;
      try {
        job.done.get(job.factory.timeout().toNanos(), TimeUnit.NANOSECONDS);
        ctx.end();
        run = new Run(ctx, null, null);
      } catch (ExecutionException e) {
        ctx.end();
        Throwable cause = e.getCause() == null ? e : e.getCause();
        LOG.warn("{}: handler {} failed on {} {} ({})", name, job.factory.name(), job.event.type(), job.event.eventId(),
            cause.getClass().getSimpleName());
        if (cause instanceof VettidException v) {
          // a check the handler made failed (a bad signature, an unknown key...): keep that reason;
          // VettID's own exception messages never hold payload or key material
          run = new Run(null, v.reason(), "handler " + job.factory.name() + ": " + v.getMessage());
        } else {
          run = new Run(null, FailureReason.HANDLER_FAILED,
              "handler " + job.factory.name() + " threw " + cause.getClass().getSimpleName());
        }
      } catch (TimeoutException e) {
        ctx.end();
        // the stuck thread is abandoned; a fresh one runs the jobs not started yet
        // (a job that never started, its thread too slow to come, is not started now either: it
        // is quarantined as timed out like one that overran)
        int next = Math.max(hr.abandon(job), i + 1);
        executor.shutdown();
        executor = newExecutor();
        if (next < todo.size()) {
          hr = new HandlerRun(todo, next);
          executor.execute(hr);
        }
        LOG.warn("{}: handler {} timed out on {} {} after {}", name, job.factory.name(), job.event.type(),
            job.event.eventId(), job.factory.timeout());
        run = new Run(null, FailureReason.HANDLER_TIMEOUT,
            "handler " + job.factory.name() + " ran longer than " + job.factory.timeout());
      }
      if (commit.commit(job, run)) {
        done++;
      }
    }
    return done;
  }

  /**
   * Runs jobs in order on one handler thread. Each job is claimed under the lock before it runs,
   * so once {@link #abandon} returned, no job from the index it returned on is ever started here.
   */
  private static final class HandlerRun implements Runnable {
    private final List<HandlerJob> jobs;
    private int next;
    private HandlerJob running;
    private Thread worker;
    private boolean abandoned;

    HandlerRun(List<HandlerJob> jobs, int from) {
      this.jobs = jobs;
      this.next = from;
    }

    @Override
    public void run() {
      synchronized (this) {
        worker = Thread.currentThread();
      }
      while (true) {
        HandlerJob j;
        synchronized (this) {
          running = null;
          if (abandoned || next >= jobs.size()) {
            return;
          }
          j = jobs.get(next++);
          running = j;
        }
        try {
          j.live.handler.onEvent(j.event);
          j.done.complete(null);
        } catch (Throwable t) { // whatever a plug-in throws quarantines its event, never the service
          j.done.completeExceptionally(t);
        }
      }
    }

    /**
     * Stops this run after a job overran its timeout: interrupts the job if it still runs.
     *
     * @return the index of the first job this run will never start
     */
    synchronized int abandon(HandlerJob overran) {
      abandoned = true;
      if (running == overran && worker != null) {
        worker.interrupt();
      }
      return next;
    }
  }

  private static ExecutorService newExecutor() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "vettid-handler");
      t.setDaemon(true);
      return t;
    });
  }
}
