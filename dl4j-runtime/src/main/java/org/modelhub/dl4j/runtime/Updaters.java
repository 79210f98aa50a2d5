package org.modelhub.dl4j.runtime;

import org.modelhub.store.runtime.TrainingConfig;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.InverseSchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * DL4J updaters from a training config: the updater kind, each layer's learning rate
 * ({@code base_lr} or a per-layer {@code lr}/{@code lr_mult}; 0 freezes the layer) and the
 * learning-rate policy (Caffe's {@code fixed}, {@code step}, {@code exp}, {@code inv}, counted
 * in iterations).
 */
final class Updaters {
  private Updaters() {
  }

  /** The updater of layer {@code layerName}. */
  static IUpdater forLayer(TrainingConfig config, String layerName) {
    return updater(config, config.learningRate(layerName));
  }

  static IUpdater updater(TrainingConfig config, double lr) {
    if (lr == 0) {
      // frozen: DL4J's NoOp would apply the raw gradient; a zero step leaves every bit as is
      return new Sgd(0);
    }
    ISchedule schedule = schedule(config, lr);
    String kind = config.get(TrainingConfig.UPDATER);
    double momentum = config.number(TrainingConfig.MOMENTUM);
    if (kind.equals("sgd") && config.isSet(TrainingConfig.MOMENTUM) && momentum > 0) {
      // Caffe's SGD solver with momentum: Nesterov momentum is DL4J's momentum updater
      kind = "nesterovs";
    }
    switch (kind) {
      case "nesterovs": return new Nesterovs(schedule, momentum);
      case "adam": return new Adam(schedule);
      case "rmsprop": return new RmsProp(schedule);
      case "adagrad": return new AdaGrad(schedule);
      default: return new Sgd(schedule);
    }
  }

  /** The base learning rate at an iteration (0-based), as the policy gives it. */
  static double learningRate(TrainingConfig config, long iteration) {
    return schedule(config, config.number(TrainingConfig.BASE_LR))
        .valueAt((int) Math.min(Integer.MAX_VALUE, iteration), 0);
  }

  private static ISchedule schedule(TrainingConfig config, double lr) {
    double gamma = config.number(TrainingConfig.GAMMA);
    switch (config.get(TrainingConfig.LR_POLICY)) {
      case "step":
        return new StepSchedule(ScheduleType.ITERATION, lr, gamma,
            config.count(TrainingConfig.STEPSIZE));
      case "exp":
        return new ExponentialSchedule(ScheduleType.ITERATION, lr, gamma);
      case "inv":
        return new InverseSchedule(ScheduleType.ITERATION, lr, gamma,
            config.number(TrainingConfig.POWER));
      default:
        return new MapSchedule(ScheduleType.ITERATION, java.util.Map.of(0, lr));
    }
  }
}
