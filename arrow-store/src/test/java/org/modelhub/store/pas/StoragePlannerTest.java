package org.modelhub.store.pas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class StoragePlannerTest {
  /**
   * Ten snapshots of two tensors each, every snapshot a cheap delta of the previous one
   * (materialised 1000 bytes, delta 100): a chain that only a budget keeps short.
   */
  static StorageGraph chain() {
    StorageGraph g = new StorageGraph();
    int[][] nodes = new int[10][2];
    for (int v = 0; v < 10; v++) {
      for (int t = 0; t < 2; t++) {
        int n = g.addNode("v" + v + "t" + t, 1000);
        g.materialise(n, 1000);
        nodes[v][t] = n;
        if (v > 0) {
          g.delta(nodes[v - 1][t], n, 100, "xor");
        }
      }
      g.addVersion("id" + v, "m@" + (v + 1), nodes[v]);
    }
    return g;
  }

  @ParameterizedTest
  @EnumSource(StorageGraph.Scheme.class)
  void plansHoldEveryBudgetBetweenTheBounds(StorageGraph.Scheme scheme) {
    StorageGraph g = chain();
    for (double alpha : new double[] {1, 1.5, 2.5, 5, 100}) {
      StoragePlanner p = new StoragePlanner(g, scheme, alpha);
      long mst = p.minimumSpanningTree().storage();
      long spt = p.shortestPathTree().storage();
      assertEquals(2 * 1000 + 18 * 100, mst);
      assertEquals(20 * 1000, spt);
      for (StoragePlanner.Plan plan : new StoragePlanner.Plan[] {p.pasMt(), p.pasPt(),
          p.best()}) {
        assertTrue(plan.feasible(), plan.algorithm() + " alpha " + alpha);
        assertTrue(plan.storage() >= mst && plan.storage() <= spt, plan.algorithm());
        double[] cost = plan.versionCosts();
        double[] budget = p.budgets();
        for (int v = 0; v < cost.length; v++) {
          assertTrue(cost[v] <= budget[v] + 1e-6, plan.algorithm() + " version " + v);
        }
      }
      StoragePlanner.Plan best = p.best();
      if (alpha == 1) {
        assertEquals(spt, best.storage(), "no room for deltas");
      }
      if (alpha == 100) {
        assertEquals(mst, best.storage(), "room for the whole chain");
      }
      if (alpha == 2.5) {
        // a materialised tensor costs 2000 to recreate, each delta on the way 1100 more; a
        // version's budget is 2.5 x 4000: parallel recreation allows chains of 2 deltas
        // (2000 + 2 x 1100 <= 5000), independent up to 5 on one tensor if the other is
        // materialised (2000 + 2000 + 5 x 1100 <= 10000)
        assertTrue(best.storage() < spt && best.storage() > mst, "" + best.storage());
        int max = 0;
        for (int d : best.depths()) {
          max = Math.max(max, d);
        }
        assertEquals(scheme == StorageGraph.Scheme.PARALLEL ? 2 : 5, max);
      }
    }
  }

  @Test void refusesBudgetsBelowOne() {
    assertThrows(IllegalArgumentException.class,
        () -> new StoragePlanner(chain(), StorageGraph.Scheme.INDEPENDENT, 0.5));
  }
}
