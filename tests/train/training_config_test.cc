#include "train/training_config.h"

#include <gtest/gtest.h>

#include <cmath>

#include "graph/error.h"

namespace nabla {
namespace {

TEST(TrainingConfig, DefaultsAreValid) { EXPECT_TRUE(ValidateTrainingConfig({}).empty()); }

TEST(TrainingConfig, EveryBadFieldIsNamedWithItsFlag) {
  TrainingConfig c;
  c.lr = std::nan("");
  c.momentum = 5;
  c.weight_decay = -1;
  c.epochs = -1;
  c.batch_size = 0;
  c.optimizer = "sgdd";
  c.lr_schedule = "linear";
  c.threads = -1;
  std::vector<std::string> problems = ValidateTrainingConfig(c);
  ASSERT_EQ(problems.size(), 8u);
  EXPECT_EQ(problems[0], "--lr must be a finite number > 0, found nan");
  EXPECT_EQ(problems[1], "--momentum must be in [0, 1), found 5");
  EXPECT_EQ(problems[2], "--weight-decay must be a finite number >= 0, found -1");
  c = {};
  c.lr = INFINITY;
  EXPECT_EQ(ValidateTrainingConfig(c), std::vector<std::string>{
                                           "--lr must be a finite number > 0, found inf"});
}

TEST(TrainingConfig, ProtoRoundTripKeepsEveryField) {
  TrainingConfig c;
  c.optimizer = "adam";
  c.lr = 0.05;
  c.momentum = 0.5;
  c.weight_decay = 1e-4;
  c.lr_schedule = "cosine";
  c.batch_size = 48;
  c.epochs = 7;
  c.seed = 18446744073709551615ull;
  c.threads = 2;
  c.data = "mnist-digits";
  c.overrides = {"act1.slope=0.2"};
  c.config_changes = {"epoch 2: lr 0.01 -> 0.05"};
  TrainingConfig back = TrainingConfigFromProto(TrainingConfigToProto(c));
  EXPECT_EQ(TrainingConfigToProto(back).SerializeAsString(),
            TrainingConfigToProto(c).SerializeAsString());
  EXPECT_EQ(back.lr_schedule, "cosine");
  // Checkpoints from before the schedule was saved trained with "constant".
  proto::TrainConfig old = TrainingConfigToProto(c);
  old.clear_lr_schedule();
  EXPECT_EQ(TrainingConfigFromProto(old).lr_schedule, "constant");
}

TEST(TrainingConfig, ValidationAndStepLogging) {
  TrainingConfig c;
  c.val_split = 0.2;
  c.eval_test = true;
  c.log_every = 5;
  EXPECT_TRUE(ValidateTrainingConfig(c).empty());
  const TrainingConfig back = TrainingConfigFromProto(TrainingConfigToProto(c));
  EXPECT_EQ(back.val_split, 0.2);
  EXPECT_TRUE(back.eval_test);
  EXPECT_EQ(back.log_every, 5);
  c.val_split = 1;
  c.log_every = -2;
  EXPECT_EQ(ValidateTrainingConfig(c),
            (std::vector<std::string>{
                "--val-split must be in [0, 1) (the fraction of the training split held out), "
                "found 1",
                "--log-every must be >= 0 (steps; 0: no step rows), found -2"}));
}

// --val-split changes the training data, so it conflicts like --lr;
// --eval-test and --log-every only change what is measured.
TEST(ResumeConfig, ValSplitConflictsMeasurementFlagsDoNot) {
  TrainingConfig saved;
  saved.val_split = 0.1;
  saved.log_every = 10;
  saved.eval_test = true;
  TrainingConfig requested;
  requested.val_split = 0.3;
  requested.log_every = 2;
  requested.eval_test = false;
  // Not given: the checkpoint's values.
  TrainingConfig kept = ResolveResumeConfig(saved, requested, {}, false, 1, "a.ckpt");
  EXPECT_EQ(kept.val_split, 0.1);
  EXPECT_EQ(kept.log_every, 10);
  EXPECT_TRUE(kept.eval_test);
  TrainingConfig changed =
      ResolveResumeConfig(saved, requested, {"log-every", "eval-test"}, false, 1, "a.ckpt");
  EXPECT_EQ(changed.log_every, 2);
  EXPECT_FALSE(changed.eval_test);
  EXPECT_TRUE(changed.config_changes.empty());
  try {
    ResolveResumeConfig(saved, requested, {"val-split"}, false, 1, "a.ckpt");
    ADD_FAILURE() << "a different --val-split was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--val-split 0.3 (the checkpoint trained with 0.1)"),
              std::string::npos)
        << e.what();
  }
}

TEST(ResumeConfig, TheCheckpointsConfigWinsOverDefaults) {
  TrainingConfig saved;
  saved.lr = 0.05;
  saved.lr_schedule = "cosine";
  TrainingConfig requested;  // defaults: lr 0.01, constant
  requested.epochs = 4;
  requested.threads = 2;
  requested.data = "elsewhere";
  TrainingConfig c = ResolveResumeConfig(saved, requested, {}, false, 2, "run.ckpt");
  EXPECT_EQ(c.lr, 0.05);
  EXPECT_EQ(c.lr_schedule, "cosine");
  EXPECT_EQ(c.epochs, 4);
  EXPECT_EQ(c.threads, 2);
  EXPECT_EQ(c.data, "elsewhere");
  EXPECT_TRUE(c.config_changes.empty());
  // An explicit flag with the checkpoint's own value is no conflict.
  requested.lr = 0.05;
  EXPECT_NO_THROW(ResolveResumeConfig(saved, requested, {"lr"}, false, 2, "run.ckpt"));
}

TEST(ResumeConfig, ConflictingExplicitFlagsAreRefusedOrRecorded) {
  TrainingConfig saved;
  saved.lr = 0.05;
  TrainingConfig requested;
  requested.lr = 0.01;
  requested.batch_size = 64;
  try {
    ResolveResumeConfig(saved, requested, {"lr", "batch-size"}, false, 2, "run.ckpt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(
                  "--resume run.ckpt: --lr 0.01 (the checkpoint trained with 0.05), --batch-size "
                  "64 (the checkpoint trained with 256) conflicts with the checkpoint's training "
                  "config",
                  0),
              0u)
        << e.what();
  }
  // Not explicit: the checkpoint's value, silently and correctly.
  EXPECT_EQ(ResolveResumeConfig(saved, requested, {}, false, 2, "run.ckpt").lr, 0.05);
  TrainingConfig c = ResolveResumeConfig(saved, requested, {"lr"}, true, 2, "run.ckpt");
  EXPECT_EQ(c.lr, 0.01);
  EXPECT_EQ(c.batch_size, 256);
  EXPECT_EQ(c.config_changes, std::vector<std::string>{"epoch 2: lr 0.05 -> 0.01"});
}

}  // namespace
}  // namespace nabla
