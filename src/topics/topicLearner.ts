import type { Principal } from "../auth/principal.js";
import type { LearnerSkillRepository } from "../store/repositories.js";
import type { TopicLearner } from "./topicAccess.js";

/**
 * What topic access rules see of a learner (seed 002 §6.5): the token's tier, and its skills
 * merged with those acquired since (`lesson.events` `skill.acquired`, DESIGN §8), so a topic
 * unlocks as soon as the skill is learned, before the token is renewed.
 */
export async function topicLearnerOf(principal: Principal, learnerSkills: LearnerSkillRepository): Promise<TopicLearner> {
  const acquired = await learnerSkills.list(principal.userId);
  return { tier: principal.tier, skills: [...new Set([...principal.skills, ...acquired])] };
}
