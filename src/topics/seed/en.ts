import type { Topic } from "../topic.js";
import { buildSeedTopics } from "./localizedSeed.js";

/**
 * English seed topics (`targetLanguageCode: "en"`), written in English, A1–C2
 * (seed 002 §2.1 ConversationTopic, §6.3 prompts; DESIGN §2 `topics/`).
 */
export const EN_TOPICS: Topic[] = buildSeedTopics("en", {
  "daily_life.introductions": {
    name: "Meeting someone new",
    description: "Say hello, give your name and talk about where you live.",
    popularityScore: 92,
    icebreakers: ["Hello! What is your name?"],
    main: ["Where are you from?", "Where do you live now?", "Do you have brothers or sisters?"],
    followUps: ["What languages do you speak?", "Do you like your city? Why?"],
  },
  "restaurant.ordering": {
    name: "Ordering at a restaurant",
    description: "Order food and drinks and ask for the bill.",
    popularityScore: 88,
    icebreakers: ["Are you hungry? What do you want to eat?"],
    main: [
      "What do you usually order at a restaurant?",
      "Do you like pizza, pasta or salad?",
      "Role-play: one person is the waiter, the other is the customer. Order a drink and a main dish.",
    ],
    followUps: ["How do you ask for the bill?", "What is your favourite restaurant? Why?"],
  },
  "hobbies.free_time": {
    name: "Free time",
    description: "Talk about what you like to do after work or school.",
    popularityScore: 81,
    icebreakers: ["What do you do on Sundays?"],
    main: ["Do you like sport? Which sport?", "Do you read books? What books?", "What do you do in the evening?"],
    followUps: ["Do you play a musical instrument?", "Who do you spend your free time with?"],
  },
  "travel.airport": {
    name: "At the airport",
    description: "Check in, go through security and find your gate.",
    popularityScore: 76,
    icebreakers: ["When did you last take a plane? Where did you go?"],
    main: [
      "Role-play: you are at the check-in desk. Ask for a window seat and say how many bags you have.",
      "What do you always take in your hand luggage?",
      "Your flight is late. What do you do while you wait?",
    ],
    followUps: [
      "Do you prefer to travel by plane or by train? Why?",
      "Have you ever lost your luggage? What happened?",
    ],
  },
  "daily_life.shopping": {
    name: "Going shopping",
    description: "Buy clothes, compare prices and talk about your shopping habits.",
    popularityScore: 70,
    icebreakers: ["What did you buy last week?"],
    main: [
      "Do you prefer shopping in shops or online? Why?",
      "Role-play: you want to buy a jacket. Ask the shop assistant about the size, the colour and the price.",
      "Where do you buy your food? Describe the shop.",
    ],
    followUps: [
      "What is the most expensive thing you bought this year?",
      "Do you like going to markets? What can you buy there?",
    ],
  },
  "hobbies.music": {
    name: "Music",
    description: "Talk about your taste in music, your favourite artists and concerts.",
    popularityScore: 84,
    icebreakers: ["What kind of music do you like?"],
    main: [
      "Who is your favourite singer or band? Why do you like them?",
      "When do you listen to music: at work, in the car, at home?",
      "Have you ever been to a concert? Tell me about it.",
    ],
    followUps: [
      "Can you play an instrument, or would you like to learn one?",
      "What song do you listen to when you are sad or happy?",
    ],
  },
  "work.job_interview": {
    name: "A job interview",
    description: "Practise presenting your background and answering a recruiter's questions.",
    popularityScore: 79,
    icebreakers: ["What was your first job, and how did you get it?"],
    main: [
      "Role-play: one of you is the interviewer. Ask the candidate about their experience and why they want the job.",
      "What are your main strengths and weaknesses at work? Give an example.",
      "How do you usually prepare for an important interview?",
    ],
    followUps: [
      "What question would you ask the company at the end of an interview?",
      "Tell me about a difficult situation at work or school and how you handled it.",
    ],
  },
  "culture.traditions": {
    name: "Traditions and celebrations",
    description: "Describe the celebrations of your country and how traditions are changing.",
    popularityScore: 66,
    icebreakers: ["What is the most important holiday in your country?"],
    main: [
      "Describe how your family celebrates a special day.",
      "Is there a tradition from another country that you find interesting? Why?",
      "Which traditions do young people in your country still follow, and which are disappearing?",
    ],
    followUps: [
      "What food is typical for this celebration?",
      "If you could create a new holiday, what would it celebrate?",
    ],
  },
  "travel.holidays": {
    name: "Holidays and travel",
    description: "Tell stories about past trips and plan the next ones.",
    popularityScore: 73,
    icebreakers: ["Where did you go on your last holiday?"],
    main: [
      "Do you prefer to plan every detail of a trip or to improvise? Why?",
      "Describe the best trip you have ever taken.",
      "What would your dream holiday look like?",
    ],
    followUps: [
      "Have you ever had a problem while travelling? How did you solve it?",
      "Would you rather travel alone or with friends?",
    ],
  },
  "work.remote_work": {
    name: "Working from home",
    description: "Weigh up the advantages and drawbacks of remote work.",
    popularityScore: 61,
    icebreakers: ["Have you ever worked or studied from home? How did it go?"],
    main: [
      "What are the advantages and disadvantages of remote work, for employees and for companies?",
      "How do you think remote work is changing cities and the way people live?",
      "Some managers say remote work damages team spirit. Do you agree?",
    ],
    followUps: [
      "What would convince you to go back to the office every day?",
      "How do you keep work and private life separate when your office is at home?",
    ],
  },
  "culture.cinema": {
    name: "Films and TV series",
    description: "Discuss films and series, and the way we watch them today.",
    popularityScore: 68,
    icebreakers: ["What is the last film or series you watched, and would you recommend it?"],
    main: [
      "Do you think streaming platforms have killed the experience of going to the cinema?",
      "Should films be watched in their original language with subtitles? Why or why not?",
      "Describe a film that changed the way you saw something.",
    ],
    followUps: [
      "Why do you think remakes and sequels are so popular?",
      "If you could direct a film, what story would you tell?",
    ],
  },
  "work.leadership": {
    name: "Leadership and management",
    description: "Debate what makes a good leader and how difficult decisions should be taken.",
    popularityScore: 52,
    icebreakers: ["Think of the best manager you have ever had. What made them stand out?"],
    main: [
      "Is leadership something that can be learned, or is it largely a matter of personality?",
      "How should a leader handle a decision that is unpopular but necessary?",
      "To what extent should employees be involved in strategic decisions?",
    ],
    followUps: [
      "How do leadership styles differ between the cultures you are familiar with?",
      "What are the risks for a leader who is too eager to be liked?",
    ],
  },
  "culture.media": {
    name: "News and the media",
    description: "Examine how we keep informed and the part the media play in public debate.",
    popularityScore: 49,
    icebreakers: ["Where do you get your news from, and how far do you trust those sources?"],
    main: [
      "How has social media changed the way news is produced and consumed?",
      "Should governments regulate misinformation online, or would that threaten freedom of expression?",
      "Is truly neutral journalism possible, or even desirable?",
    ],
    followUps: [
      "How do you check whether a story is reliable before you share it?",
      "What role should public broadcasters play today?",
    ],
  },
  "culture.language_identity": {
    name: "Language and identity",
    description: "Explore the ties between the language we speak, the way we think and where we feel we belong.",
    popularityScore: 44,
    icebreakers: ["Do you feel like a slightly different person when you speak another language?"],
    main: [
      "To what extent does the language we speak shape the way we think?",
      "When a minority language dies out, what exactly is lost, and whose responsibility is it to preserve it?",
      "Is the dominance of English as a global lingua franca an opportunity or a form of cultural homogenisation?",
    ],
    followUps: [
      "Can one ever fully master a language without absorbing the culture it carries?",
      "How far do accents colour the way others perceive us, and is that ever justifiable?",
    ],
  },
  "hobbies.art": {
    name: "Art and taste",
    description: "Debate what gives a work of art its value and whether taste can be argued about at all.",
    popularityScore: 38,
    icebreakers: ["Which work of art, in any form, has stayed with you the longest, and why?"],
    main: [
      "Is the value of a work of art intrinsic, or is it conferred by critics, institutions and the market?",
      "Can a work generated by artificial intelligence be genuinely creative?",
      "Should we separate the work from the artist when the artist's conduct is morally objectionable?",
    ],
    followUps: [
      "Is there such a thing as objectively bad taste, or is every aesthetic judgement merely a matter of perspective?",
      "Does practising an art form as an amateur deepen one's appreciation of it, or merely alter it?",
    ],
  },
});
