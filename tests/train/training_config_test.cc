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
