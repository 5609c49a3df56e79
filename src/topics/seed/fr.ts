import type { Topic } from "../topic.js";
import { buildSeedTopics } from "./localizedSeed.js";

/**
 * Sujets de conversation en français (`targetLanguageCode: "fr"`), A1–C2
 * (seed 002 §2.1 ConversationTopic, §6.3 prompts ; DESIGN §2 `topics/`).
 */
export const FR_TOPICS: Topic[] = buildSeedTopics("fr", {
  "daily_life.introductions": {
    name: "Faire connaissance",
    description: "Dire bonjour, donner son prénom et parler de l'endroit où l'on habite.",
    popularityScore: 90,
    icebreakers: ["Bonjour ! Comment tu t'appelles ?"],
    main: ["Tu viens d'où ?", "Tu habites où maintenant ?", "Tu as des frères et sœurs ?"],
    followUps: ["Quelles langues est-ce que tu parles ?", "Tu aimes ta ville ? Pourquoi ?"],
  },
  "restaurant.ordering": {
    name: "Commander au restaurant",
    description: "Commander à manger et à boire, puis demander l'addition.",
    popularityScore: 93,
    icebreakers: ["Tu as faim ? Qu'est-ce que tu veux manger ?"],
    main: [
      "Qu'est-ce que tu commandes souvent au restaurant ?",
      "Tu préfères la pizza, les pâtes ou la salade ?",
      "Jeu de rôle : l'un de vous est serveur, l'autre est client. Commandez une boisson et un plat.",
    ],
    followUps: ["Comment est-ce qu'on demande l'addition ?", "Quel est ton restaurant préféré ? Pourquoi ?"],
  },
  "hobbies.free_time": {
    name: "Le temps libre",
    description: "Parler de ce qu'on aime faire après le travail ou l'école.",
    popularityScore: 78,
    icebreakers: ["Qu'est-ce que tu fais le dimanche ?"],
    main: ["Tu aimes le sport ? Quel sport ?", "Tu lis des livres ? Quels livres ?", "Qu'est-ce que tu fais le soir ?"],
    followUps: ["Tu joues d'un instrument de musique ?", "Avec qui est-ce que tu passes ton temps libre ?"],
  },
  "travel.airport": {
    name: "À l'aéroport",
    description: "Enregistrer ses bagages, passer la sécurité et trouver sa porte d'embarquement.",
    popularityScore: 72,
    icebreakers: ["Quand est-ce que tu as pris l'avion pour la dernière fois ? Tu es allé où ?"],
    main: [
      "Jeu de rôle : tu es au comptoir d'enregistrement. Demande une place côté hublot et dis combien de valises tu as.",
      "Qu'est-ce que tu mets toujours dans ton bagage à main ?",
      "Ton vol a du retard. Qu'est-ce que tu fais pendant l'attente ?",
    ],
    followUps: [
      "Tu préfères voyager en avion ou en train ? Pourquoi ?",
      "Tu as déjà perdu ta valise ? Qu'est-ce qui s'est passé ?",
    ],
  },
  "daily_life.shopping": {
    name: "Faire du shopping",
    description: "Acheter des vêtements, comparer les prix et parler de ses habitudes d'achat.",
    popularityScore: 69,
    icebreakers: ["Qu'est-ce que tu as acheté la semaine dernière ?"],
    main: [
      "Tu préfères acheter en magasin ou sur Internet ? Pourquoi ?",
      "Jeu de rôle : tu veux acheter une veste. Pose des questions au vendeur sur la taille, la couleur et le prix.",
      "Où est-ce que tu achètes ta nourriture ? Décris le magasin.",
    ],
    followUps: [
      "Quelle est la chose la plus chère que tu as achetée cette année ?",
      "Tu aimes aller au marché ? Qu'est-ce qu'on peut y acheter ?",
    ],
  },
  "hobbies.music": {
    name: "La musique",
    description: "Parler de ses goûts musicaux, de ses artistes préférés et des concerts.",
    popularityScore: 82,
    icebreakers: ["Quel genre de musique est-ce que tu aimes ?"],
    main: [
      "Qui est ton chanteur ou ton groupe préféré ? Pourquoi est-ce que tu l'aimes ?",
      "Quand est-ce que tu écoutes de la musique : au travail, en voiture, à la maison ?",
      "Tu es déjà allé à un concert ? Raconte.",
    ],
    followUps: [
      "Tu sais jouer d'un instrument, ou tu aimerais en apprendre un ?",
      "Quelle chanson est-ce que tu écoutes quand tu es triste ou content ?",
    ],
  },
  "work.job_interview": {
    name: "L'entretien d'embauche",
    description: "S'entraîner à présenter son parcours et à répondre aux questions d'un recruteur.",
    popularityScore: 80,
    icebreakers: ["Quel a été ton premier emploi, et comment l'as-tu obtenu ?"],
    main: [
      "Jeu de rôle : l'un de vous est le recruteur. Interroge le candidat sur son expérience et sur ses motivations pour ce poste.",
      "Quels sont tes principaux points forts et points faibles au travail ? Donne un exemple.",
      "Comment est-ce que tu te prépares d'habitude pour un entretien important ?",
    ],
    followUps: [
      "Quelle question poserais-tu à l'entreprise à la fin d'un entretien ?",
      "Raconte une situation difficile au travail ou à l'école, et explique comment tu l'as gérée.",
    ],
  },
  "culture.traditions": {
    name: "Traditions et fêtes",
    description: "Décrire les fêtes de son pays et réfléchir à ce que deviennent les traditions.",
    popularityScore: 67,
    icebreakers: ["Quelle est la fête la plus importante dans ton pays ?"],
    main: [
      "Décris comment ta famille célèbre un jour spécial.",
      "Y a-t-il une tradition d'un autre pays que tu trouves intéressante ? Pourquoi ?",
      "Quelles traditions les jeunes de ton pays suivent-ils encore, et lesquelles sont en train de disparaître ?",
    ],
    followUps: [
      "Quel plat est typique de cette fête ?",
      "Si tu pouvais créer une nouvelle fête, qu'est-ce qu'elle célébrerait ?",
    ],
  },
  "travel.holidays": {
    name: "Vacances et voyages",
    description: "Raconter ses voyages passés et imaginer les prochains.",
    popularityScore: 75,
    icebreakers: ["Où est-ce que tu es parti pendant tes dernières vacances ?"],
    main: [
      "Tu préfères tout organiser à l'avance ou improviser en voyage ? Pourquoi ?",
      "Décris le plus beau voyage que tu aies jamais fait.",
      "À quoi ressembleraient tes vacances de rêve ?",
    ],
    followUps: [
      "As-tu déjà eu un problème en voyage ? Comment l'as-tu résolu ?",
      "Tu préférerais voyager seul ou avec des amis ?",
    ],
  },
  "work.remote_work": {
    name: "Le télétravail",
    description: "Peser les avantages et les inconvénients du travail à distance.",
    popularityScore: 63,
    icebreakers: ["As-tu déjà travaillé ou étudié depuis chez toi ? Comment ça s'est passé ?"],
    main: [
      "Quels sont les avantages et les inconvénients du télétravail, pour les salariés comme pour les entreprises ?",
      "Selon toi, comment le télétravail transforme-t-il les villes et notre mode de vie ?",
      "Certains managers affirment que le télétravail nuit à l'esprit d'équipe. Es-tu d'accord ?",
    ],
    followUps: [
      "Qu'est-ce qui te convaincrait de retourner au bureau tous les jours ?",
      "Comment sépares-tu vie professionnelle et vie privée quand ton bureau est chez toi ?",
    ],
  },
  "culture.cinema": {
    name: "Cinéma et séries",
    description: "Échanger sur les films et les séries, et sur la façon dont on les regarde aujourd'hui.",
    popularityScore: 74,
    icebreakers: ["Quel est le dernier film ou la dernière série que tu as vus, et le recommanderais-tu ?"],
    main: [
      "Penses-tu que les plateformes de streaming ont tué l'expérience de la salle de cinéma ?",
      "Faut-il regarder les films en version originale sous-titrée ? Pourquoi ?",
      "Parle d'un film qui a changé ta façon de voir quelque chose.",
    ],
    followUps: [
      "À ton avis, pourquoi les remakes et les suites ont-ils autant de succès ?",
      "Si tu pouvais réaliser un film, quelle histoire raconterais-tu ?",
    ],
  },
  "work.leadership": {
    name: "Leadership et management",
    description: "Débattre de ce qui fait un bon dirigeant et de la manière de trancher les décisions difficiles.",
    popularityScore: 50,
    icebreakers: ["Pense au meilleur responsable que tu aies eu. Qu'est-ce qui le distinguait des autres ?"],
    main: [
      "Le leadership s'apprend-il, ou relève-t-il avant tout de la personnalité ?",
      "Comment un dirigeant devrait-il assumer une décision impopulaire mais nécessaire ?",
      "Dans quelle mesure les salariés devraient-ils être associés aux décisions stratégiques ?",
    ],
    followUps: [
      "En quoi les styles de management diffèrent-ils selon les cultures que tu connais ?",
      "Quels risques court un dirigeant qui cherche trop à être apprécié ?",
    ],
  },
  "culture.media": {
    name: "L'information et les médias",
    description: "Analyser la façon dont on s'informe et la place des médias dans le débat public.",
    popularityScore: 55,
    icebreakers: ["Comment t'informes-tu, et quelle confiance accordes-tu à tes sources ?"],
    main: [
      "En quoi les réseaux sociaux ont-ils changé la manière dont l'information est produite et consommée ?",
      "Les États devraient-ils encadrer la désinformation en ligne, ou est-ce une menace pour la liberté d'expression ?",
      "Un journalisme parfaitement neutre est-il possible, voire souhaitable ?",
    ],
    followUps: [
      "Comment vérifies-tu qu'une information est fiable avant de la partager ?",
      "Quel rôle l'audiovisuel public devrait-il jouer aujourd'hui ?",
    ],
  },
  "culture.language_identity": {
    name: "Langue et identité",
    description: "Explorer les liens entre la langue qu'on parle, la pensée et l'appartenance culturelle.",
    popularityScore: 47,
    icebreakers: ["As-tu l'impression de devenir quelqu'un d'un peu différent quand tu parles une autre langue ?"],
    main: [
      "Dans quelle mesure la langue que nous parlons façonne-t-elle notre manière de penser ?",
      "Lorsqu'une langue minoritaire disparaît, que perd-on au juste, et à qui incombe-t-il de la préserver ?",
      "L'hégémonie de l'anglais comme langue véhiculaire mondiale est-elle une chance ou une forme d'uniformisation culturelle ?",
    ],
    followUps: [
      "Peut-on maîtriser pleinement une langue sans s'imprégner de la culture qu'elle véhicule ?",
      "En quoi l'accent influe-t-il sur la perception que les autres ont de nous, et est-ce jamais légitime ?",
    ],
  },
  "hobbies.art": {
    name: "L'art et le goût",
    description: "Débattre de ce qui confère sa valeur à une œuvre et se demander si les goûts se discutent.",
    popularityScore: 41,
    icebreakers: ["Quelle œuvre, toutes formes confondues, t'a marqué le plus durablement, et pourquoi ?"],
    main: [
      "La valeur d'une œuvre d'art lui est-elle intrinsèque, ou lui est-elle conférée par la critique, les institutions et le marché ?",
      "Une œuvre produite par une intelligence artificielle peut-elle être véritablement créative ?",
      "Faut-il séparer l'œuvre de l'artiste lorsque la conduite de ce dernier est moralement condamnable ?",
    ],
    followUps: [
      "Existe-t-il un mauvais goût objectif, ou tout jugement esthétique n'est-il qu'affaire de point de vue ?",
      "La pratique amateur d'un art en approfondit-elle l'appréciation, ou se contente-t-elle de la transformer ?",
    ],
  },
});
