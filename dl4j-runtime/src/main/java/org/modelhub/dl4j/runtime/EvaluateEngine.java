package org.modelhub.dl4j.runtime;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.modelhub.dl4j.data.DataSources;
import org.modelhub.dl4j.data.DataSplit;
import org.modelhub.store.ModelHubException;
import org.modelhub.store.Progress;
import org.modelhub.store.Repository;
import org.modelhub.store.catalog.LineageEdge;
import org.modelhub.store.catalog.VersionInfo;
import org.modelhub.store.model.Layer;
import org.modelhub.store.model.LayerPattern;
import org.modelhub.store.model.ModelContent;
import org.modelhub.store.runtime.Candidate;
import org.modelhub.store.runtime.CandidateResult;
import org.modelhub.store.runtime.Cancellation;
import org.modelhub.store.runtime.EvaluateCancelledException;
import org.modelhub.store.runtime.EvaluateListener;
import org.modelhub.store.runtime.EvaluateRequest;
import org.modelhub.store.runtime.EvaluateResult;
import org.modelhub.store.runtime.GridAxis;
import org.modelhub.store.runtime.KeepRule;
import org.modelhub.store.runtime.Setting;
import org.modelhub.store.runtime.TrainingConfig;

/**
 * Runs one evaluate statement: enumerates the candidates (each source version under each
 * grid point), trains each to the keep rule's cut, keeps the best {@code k} in memory while
 * committing every other one as soon as it is out of the running, then trains the survivors
 * to the config's iterations and commits them. Every candidate becomes a version of the run's
 * model, with lineage {@code fine-tune} to its source (docs/evaluate.md says why).
 */
final class EvaluateEngine {
  private static final DateTimeFormatter RUN_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final Repository repo;
  private final EvaluateRequest request;
  private final EvaluateListener listener;
  private final Cancellation cancel;
  private final Map<String, ModelContent> contents = new HashMap<>();
  private final Map<List<String>, DataSplit> data = new HashMap<>();
  private final List<CandidateResult> committed = new ArrayList<>();
  private final Map<Integer, Double> atCut = new HashMap<>();
  private String runModel;
  private int total;

  EvaluateEngine(Repository repo, EvaluateRequest request, EvaluateListener listener,
      Cancellation cancel) {
    this.repo = requireNonNull(repo, "repo");
    this.request = requireNonNull(request, "request");
    this.listener = requireNonNull(listener, "listener");
    this.cancel = requireNonNull(cancel, "cancel");
  }

  /** A candidate and the config it trains with. */
  private record Planned(Candidate candidate, VersionInfo source, TrainingConfig config) { }

  EvaluateResult run() {
    List<Planned> plan = plan();
    KeepRule keep = request.keep();
    String metric = keep != null ? keep.metricName() : KeepRule.VAL_LOSS;
    boolean lower = keep == null || keep.lowerIsBetter();
    for (Planned p : plan) {
      DataSplit d = data(p.config());
      if (metric.startsWith("val_") && d.test().size() == 0) {
        throw new ModelHubException("candidate " + p.candidate().describe() + " has no held-out"
            + " examples to measure " + metric + " on: set test_fraction above 0 or test_data"
            + (keep != null ? ", or keep by m[\"train_loss\"]" : ""));
      }
    }
    runModel = runModel();
    total = plan.size();
    listener.started(runModel, total);
    Comparator<CandidateRun> best = Comparator.comparingDouble(
        (CandidateRun r) -> rankable(r.metric(metric), lower))
        .thenComparingInt(r -> r.candidate().number());
    List<CandidateRun> top = new ArrayList<>();
    for (Planned p : plan) {
      long iterations = p.config().count(TrainingConfig.ITERATIONS);
      long cut = keep != null ? Math.min(keep.iterations(), iterations) : iterations;
      CandidateRun run = start(p);
      listener.candidateStarted(p.candidate(), 0, cut);
      if (!run.trainTo(cut, listener, cancel)) {
        throw cancelled();
      }
      atCut.put(p.candidate().number(), run.metric(metric));
      if (keep == null) {
        commit(run, true, metric, keep);
        continue;
      }
      top.add(run);
      top.sort(best);
      if (top.size() > keep.k()) {
        // out of the running for good: later candidates can only push it further down
        commit(top.remove(top.size() - 1), false, metric, keep);
      }
    }
    for (CandidateRun run : top) {
      long iterations = run.config().count(TrainingConfig.ITERATIONS);
      if (run.iterations() < iterations) {
        listener.candidateStarted(run.candidate(), run.iterations(), iterations);
        if (!run.trainTo(iterations, listener, cancel)) {
          throw cancelled();
        }
      }
      commit(run, true, metric, keep);
    }
    return new EvaluateResult(runModel, ranked(keep == null ? committedMetrics()
        : atCut, lower));
  }

  // ---- planning ------------------------------------------------------------------------

  private List<Planned> plan() {
    List<VersionInfo> sources = new ArrayList<>();
    for (String ref : request.sources()) {
      sources.add(repo.resolve(ref));
    }
    TrainingConfig base = request.config() != null ? TrainingConfig.read(request.config())
        : TrainingConfig.defaults();
    List<Map<Setting, String>> points = new ArrayList<>();
    points.add(new LinkedHashMap<>());
    for (GridAxis axis : request.grid()) {
      List<Map<Setting, String>> next = new ArrayList<>();
      for (Map<Setting, String> p : points) {
        for (String v : axis.expand()) {
          Map<Setting, String> q = new LinkedHashMap<>(p);
          q.put(axis.setting(), v);
          next.add(q);
        }
      }
      points = next;
    }
    List<Planned> plan = new ArrayList<>();
    for (VersionInfo source : sources) {
      ModelContent content = content(source);
      for (Map<Setting, String> point : points) {
        TrainingConfig c = base;
        Map<String, String> labels = new LinkedHashMap<>();
        for (Map.Entry<Setting, String> e : point.entrySet()) {
          c = c.with(e.getKey(), e.getValue());
          labels.put(e.getKey().label(), e.getValue());
        }
        checkPatterns(c, source, content);
        plan.add(new Planned(new Candidate(plan.size() + 1, source.id(), source.label(),
            labels), source, c));
      }
    }
    return plan;
  }

  /** A per-layer setting that matches no layer is most likely a typo: say so before training. */
  private static void checkPatterns(TrainingConfig c, VersionInfo source, ModelContent content) {
    for (TrainingConfig.LayerSetting s : c.layerSettings()) {
      if (LayerPattern.compile(s.pattern()).select(content.network()).isEmpty()) {
        List<String> names = new ArrayList<>();
        for (Layer l : content.network().layers()) {
          names.add(l.name());
        }
        throw new ModelHubException(s.label() + " matches no layer of " + source.label()
            + " (its layers: " + String.join(", ", names) + ")");
      }
    }
  }

  private ModelContent content(VersionInfo v) {
    return contents.computeIfAbsent(v.id(), id -> repo.content(v, Progress.NONE));
  }

  private DataSplit data(TrainingConfig c) {
    List<String> key = new ArrayList<>();
    for (String k : List.of(TrainingConfig.INPUT_DATA, TrainingConfig.TEST_DATA,
        TrainingConfig.TEST_FRACTION, TrainingConfig.SEED, TrainingConfig.EXAMPLES,
        TrainingConfig.LABEL_COLUMN, TrainingConfig.NORMALIZE)) {
      key.add(String.valueOf(c.get(k)));
    }
    return data.computeIfAbsent(key, k -> DataSources.split(c));
  }

  private String runModel() {
    if (request.runName() != null) {
      return Repository.checkModelName(request.runName());
    }
    String stem = "evaluate-" + RUN_TIME.format(Instant.now());
    String name = stem;
    for (int i = 2; repo.catalog().model(name).isPresent(); i++) {
      name = stem + "-" + i;
    }
    return name;
  }

  // ---- training and committing ---------------------------------------------------------

  private CandidateRun start(Planned p) {
    DataSplit d = data(p.config());
    ModelContent content = content(p.source());
    Dl4jGraph graph;
    try {
      graph = Dl4jGraph.build(content, d.train().exampleShape(), d.train().classes().size(),
          p.config());
    } catch (ModelHubException e) {
      throw new ModelHubException(p.source().label() + ": " + e.getMessage(), e);
    }
    return new CandidateRun(p.candidate(), p.config(), graph, d);
  }

  private void commit(CandidateRun run, boolean kept, String metric, KeepRule keep) {
    if (cancel.isCancelled()) {
      throw cancelled();
    }
    Candidate c = run.candidate();
    VersionInfo source = repo.catalog().version(c.sourceId()).orElseThrow();
    Map<String, String> hp = new LinkedHashMap<>(run.config().effective());
    hp.put("normalization", run.data().normalization());
    hp.put("evaluate.run", runModel);
    hp.put("evaluate.candidate", Integer.toString(c.number()));
    hp.put("evaluate.source", source.label());
    hp.put("evaluate.keep", keep == null ? "none" : keep.label());
    hp.put("evaluate.kept", Boolean.toString(kept));
    hp.put("evaluate.iterations", Long.toString(run.iterations()));
    double cutValue = keep == null ? Double.NaN : atCut.get(c.number());
    if (keep != null) {
      hp.put("evaluate.metric_at_cut", metric + " " + cutValue);
    }
    double finalValue = run.metric(metric);
    String message = String.format(Locale.ROOT, "evaluate %s %s: %s %d iterations, %s %.4g%s",
        runModel, c.describe(), kept ? "trained" : "stopped after", run.iterations(), metric,
        finalValue, keep == null ? "" : kept ? " (kept by " + keep.label() + ")"
            : " (not in " + keep.label() + ", " + total + " candidates)");
    ModelContent content = new ModelContent(run.graph().network(), run.graph().tensors(), hp,
        run.log());
    VersionInfo v = repo.newCommit().model(runModel).message(message)
        .parent(source, LineageEdge.FINE_TUNE).format(source.format()).content(content)
        .run(Progress.NONE);
    CandidateResult r = new CandidateResult(c, metric, cutValue, finalValue, run.iterations(),
        kept, 0, v.id(), v.label());
    committed.add(r);
    listener.candidateFinished(r);
  }

  private Map<Integer, Double> committedMetrics() {
    Map<Integer, Double> m = new HashMap<>();
    committed.forEach(r -> m.put(r.candidate().number(), r.finalMetric()));
    return m;
  }

  /** The committed results in candidate order, ranked by {@code by} (1 is the best). */
  private List<CandidateResult> ranked(Map<Integer, Double> by, boolean lower) {
    List<CandidateResult> order = new ArrayList<>(committed);
    order.sort(Comparator.comparingDouble((CandidateResult r) -> rankable(
        by.get(r.candidate().number()), lower)).thenComparingInt(r -> r.candidate().number()));
    Map<Integer, Integer> rank = new HashMap<>();
    for (int i = 0; i < order.size(); i++) {
      rank.put(order.get(i).candidate().number(), i + 1);
    }
    List<CandidateResult> out = new ArrayList<>();
    for (CandidateResult r : committed) {
      out.add(new CandidateResult(r.candidate(), r.metric(), r.metricAtCut(), r.finalMetric(),
          r.iterations(), r.kept(), rank.get(r.candidate().number()), r.versionId(),
          r.versionLabel()));
    }
    out.sort(Comparator.comparingInt(r -> r.candidate().number()));
    return out;
  }

  /** Smaller is better; a diverged (NaN) candidate ranks last. */
  private static double rankable(double value, boolean lower) {
    if (Double.isNaN(value)) {
      return Double.POSITIVE_INFINITY;
    }
    return lower ? value : -value;
  }

  private EvaluateCancelledException cancelled() {
    List<CandidateResult> done = new ArrayList<>(committed);
    done.sort(Comparator.comparingInt(r -> r.candidate().number()));
    return new EvaluateCancelledException("evaluate cancelled: " + done.size() + " of " + total
        + " candidates were committed" + (runModel == null ? "" : " to model " + runModel)
        + " (each version whole); the candidate in training was dropped", done);
  }
}
