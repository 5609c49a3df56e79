import { Schema, type Connection, type Model } from "mongoose";

/** One skill a learner acquired (`skill.acquired`, seed 002 §5.2); unique per (userId, skillCode). */
export interface LearnerSkillDocument {
  _id: string;
  userId: string;
  skillCode: string;
  acquiredAt: Date;
}

const learnerSkillSchema = new Schema<LearnerSkillDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    skillCode: { type: String, required: true },
    acquiredAt: { type: Date, required: true },
  },
  { collection: "learnerSkills", versionKey: false },
);
// One row per user and skill; the insert against it is the atomic "new skill?" test.
learnerSkillSchema.index({ userId: 1, skillCode: 1 }, { name: "uniq_learner_skill", unique: true });

/** Registers the learner-skill model on `connection`. */
export function learnerSkillModel(connection: Connection): Model<LearnerSkillDocument> {
  return connection.model<LearnerSkillDocument>("LearnerSkill", learnerSkillSchema);
}
