"""ModelHub from Python through JPype's DB-API 2.0 (PEP 249), as a notebook uses it.

Needs Debian's python3-jpype (or JPype1 from pip) and the self-contained driver jar:

    MODELHUB_JDBC_JAR=jdbc-driver/target/modelhub-jdbc-VERSION.jar \\
        /usr/bin/python3 jdbc-driver/src/test/python/test_jpype_dbapi.py -v

JpypeIT runs it during `mvn verify`. The test first writes a small repository through the
jar's own store API (two versions of a multilayer perceptron whose weights are drawn here),
so every value it expects from SQL is computed below from those weights. The JVM that JPype
starts gets the jar and no other option: reading and writing Arrow needs no --add-opens.
"""

import json
import math
import os
import random
import shutil
import struct
import tempfile
import unittest

import jpype
import jpype.dbapi2

JAR = os.environ.get("MODELHUB_JDBC_JAR", "")
# Debian's python3-jpype keeps JPype's own support jar in /usr/share/java rather than beside
# the module, where JPype 1.4 looks for it; on the class path it is found either way.
JPYPE_SUPPORT_JAR = "/usr/share/java/org.jpype.jar"

# name, type, units, input: an MLP of 8 inputs, 16 hidden units and 4 classes
LAYERS = [("data", "INPUT", None, None), ("fc1", "FC", 16, "data"),
          ("relu1", "RELU", None, "fc1"), ("fc2", "FC", 4, "relu1"),
          ("prob", "SOFTMAX", None, "fc2")]
SHAPES = {"fc1/W": [16, 8], "fc1/b": [16], "fc2/W": [4, 16], "fc2/b": [4]}
HYPERPARAMS = {"base_lr": "0.01", "batch_size": "32"}
LOSS = [(100, 0.9), (200, 0.55), (300, 0.41)]


def float32(values):
    """Rounds to float32, as the store keeps them, so that sums below match exactly."""
    return list(struct.unpack("%df" % len(values), struct.pack("%df" % len(values), *values)))


def draw(seed):
    rng = random.Random(seed)
    return {name: float32([rng.gauss(0.0, 0.1) for _ in range(math.prod(shape))])
            for name, shape in SHAPES.items()}


class ModelHubDbApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not JAR or not os.path.isfile(JAR):
            raise unittest.SkipTest("set MODELHUB_JDBC_JAR to the self-contained driver jar")
        classpath = [JAR]
        if os.path.isfile(JPYPE_SUPPORT_JAR):
            classpath.append(JPYPE_SUPPORT_JAR)
        jpype.startJVM(classpath=classpath)
        cls.dir = tempfile.mkdtemp(prefix="modelhub-jpype-")
        cls.repo = os.path.join(cls.dir, "repo")
        cls.v1 = draw(1)
        # the second version fine-tunes fc2/W only
        cls.v2 = dict(cls.v1, **{"fc2/W": draw(2)["fc2/W"]})
        cls.ids = commit_two_versions(cls.repo, cls.v1, cls.v2)
        cls.conn = jpype.dbapi2.connect("jdbc:modelhub:" + cls.repo)

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "conn"):
            cls.conn.close()
        if hasattr(cls, "dir"):
            shutil.rmtree(cls.dir, ignore_errors=True)

    def query(self, sql, params=()):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return [tuple(r) for r in cur.fetchall()]

    def test_versions(self):
        num_params = sum(len(v) for v in self.v1.values())
        self.assertEqual(
            [("mlp", 1, "notebook", "drawn", num_params),
             ("mlp", 2, "notebook", "fine-tuned fc2", num_params)],
            self.query("SELECT MODEL, VERSION, AUTHOR, MESSAGE, NUM_PARAMS FROM VERSIONS"
                       " ORDER BY VERSION"))
        self.assertEqual([(self.ids[0], self.ids[1])],
                         self.query("SELECT PARENT_ID, CHILD_ID FROM LINEAGE"))

    def test_layers(self):
        rows = self.query('SELECT NAME, TYPE, NUM_PARAMS, ATTRS FROM LAYERS'
                          ' WHERE VERSION_ID = ? ORDER BY SEQ', (self.ids[0],))
        self.assertEqual([(n, t) for n, t, _, _ in LAYERS], [r[:2] for r in rows])
        for (name, _, units, _), row in zip(LAYERS, rows):
            expected = sum(len(v) for k, v in self.v1.items() if k.startswith(name + "/"))
            self.assertEqual(expected, row[2], name)
            if units is not None:
                self.assertEqual(units, json.loads(row[3])["units"], name)

    def test_weights_aggregate(self):
        rows = self.query("SELECT TENSOR, COUNT(*), SUM(WEIGHT), MIN(WEIGHT), MAX(WEIGHT)"
                          " FROM WEIGHTS WHERE VERSION_ID = ? GROUP BY TENSOR ORDER BY TENSOR",
                          (self.ids[1],))
        self.assertEqual(sorted(SHAPES), [r[0] for r in rows])
        for name, count, total, low, high in rows:
            values = self.v2[name]
            self.assertEqual(len(values), count, name)
            self.assertTrue(math.isclose(math.fsum(values), total, rel_tol=1e-12,
                                         abs_tol=1e-12), name)
            self.assertEqual((min(values), max(values)), (low, high), name)

    def test_weights_are_bit_exact(self):
        rows = self.query("SELECT IDX, WEIGHT FROM WEIGHTS WHERE VERSION_ID = ?"
                          " AND TENSOR = 'fc1/W' ORDER BY IDX", (self.ids[0],))
        self.assertEqual(list(enumerate(self.v1["fc1/W"])), rows)

    def test_weight_stats_function(self):
        rows = self.query("SELECT TENSOR, NUM_VALUES, MEAN, L2_NORM"
                          " FROM TABLE(WEIGHT_STATS(?)) ORDER BY TENSOR", ("mlp@1",))
        self.assertEqual(sorted(SHAPES), [r[0] for r in rows])
        for name, count, mean, norm in rows:
            values = self.v1[name]
            self.assertEqual(len(values), count)
            self.assertTrue(math.isclose(math.fsum(values) / count, mean, rel_tol=1e-9,
                                         abs_tol=1e-12), name)
            self.assertTrue(math.isclose(math.sqrt(math.fsum(v * v for v in values)), norm,
                                         rel_tol=1e-9), name)

    def test_diff_function(self):
        rows = self.query("SELECT TENSOR, STATUS, MAX_ABS_DIFF"
                          " FROM TABLE(DIFF('mlp@1', 'mlp@2')) ORDER BY TENSOR")
        self.assertEqual([(n, "changed" if n == "fc2/W" else "same") for n in sorted(SHAPES)],
                         [r[:2] for r in rows])
        changed = max(abs(a - b) for a, b in zip(self.v1["fc2/W"], self.v2["fc2/W"]))
        self.assertTrue(math.isclose(changed, dict((r[0], r[2]) for r in rows)["fc2/W"],
                                     rel_tol=1e-6))

    def test_lineage_function(self):
        self.assertEqual([("mlp", 1, "ancestor", 1)],
                         self.query("SELECT MODEL, VERSION, DIRECTION, DEPTH"
                                    " FROM TABLE(LINEAGE_OF('mlp@2'))"))

    def test_metrics_and_hyperparams(self):
        self.assertEqual([(s, v) for s, v in LOSS],
                         self.query("SELECT STEP, VAL FROM METRICS WHERE VERSION_ID = ?"
                                    " AND NAME = 'loss' ORDER BY STEP", (self.ids[0],)))
        self.assertEqual(sorted(HYPERPARAMS.items()),
                         self.query("SELECT NAME, VAL FROM HYPERPARAMS WHERE VERSION_ID = ?"
                                    " ORDER BY NAME", (self.ids[0],)))

    def test_description_names_columns(self):
        with self.conn.cursor() as cur:
            cur.execute("SELECT ID, MODEL, CREATED FROM VERSIONS")
            self.assertEqual(["ID", "MODEL", "CREATED"], [d[0] for d in cur.description])
            self.assertEqual(2, len(cur.fetchall()))

    def test_jvm_runs_without_extra_options(self):
        args = [str(a) for a in
                jpype.JClass("java.lang.management.ManagementFactory")
                .getRuntimeMXBean().getInputArguments()]
        self.assertEqual([], [a for a in args if a.startswith(("--add-opens", "--add-exports"))])


def commit_two_versions(repo, v1, v2):
    """Writes the repository through the jar's store API, as `dlv commit` would."""
    Paths = jpype.JClass("java.nio.file.Paths")
    ArrayList = jpype.JClass("java.util.ArrayList")
    HashMap = jpype.JClass("java.util.LinkedHashMap")
    Repository = jpype.JClass("org.modelhub.store.Repository")
    Layer = jpype.JClass("org.modelhub.store.model.Layer")
    Network = jpype.JClass("org.modelhub.store.model.Network")
    Tensor = jpype.JClass("org.modelhub.store.model.Tensor")
    Metric = jpype.JClass("org.modelhub.store.model.Metric")
    ModelContent = jpype.JClass("org.modelhub.store.model.ModelContent")
    Progress = jpype.JClass("org.modelhub.store.Progress")

    def jlist(items):
        out = ArrayList()
        for i in items:
            out.add(i)
        return out

    def jmap(d):
        out = HashMap()
        for k, v in d.items():
            out.put(k, v)
        return out

    layers = jlist(Layer(name, kind, jmap({} if units is None else {"units": jpype.JInt(units)}),
                         jlist([] if src is None else [src]))
                   for name, kind, units, src in LAYERS)
    network = Network("mlp", layers, jmap({}))

    def content(weights):
        tensors = jlist(Tensor.ofFloats(name, jpype.JArray(jpype.JLong)(SHAPES[name]),
                                        jpype.JArray(jpype.JFloat)(weights[name]))
                        for name in SHAPES)
        metrics = jlist(Metric("loss", step, val) for step, val in LOSS)
        return ModelContent(network, tensors, jmap(HYPERPARAMS), metrics)

    r = Repository.init(Paths.get(repo))
    try:
        first = r.newCommit().model("mlp").author("notebook").message("drawn") \
            .content(content(v1)).run(Progress.NONE)
        second = r.newCommit().model("mlp").author("notebook").message("fine-tuned fc2") \
            .content(content(v2)).run(Progress.NONE)
        return str(first.id()), str(second.id())
    finally:
        # the driver opens the catalog next; H2 lets one process hold it at a time
        r.close()


if __name__ == "__main__":
    unittest.main()
