import type { Topic } from "../topic.js";
import { buildSeedTopics } from "./localizedSeed.js";

/**
 * Gesprächsthemen auf Deutsch (`targetLanguageCode: "de"`), A1–C2
 * (seed 002 §2.1 ConversationTopic, §6.3 prompts; DESIGN §2 `topics/`).
 */
export const DE_TOPICS: Topic[] = buildSeedTopics("de", {
  "daily_life.introductions": {
    name: "Sich kennenlernen",
    description: "Hallo sagen, den eigenen Namen nennen und erzählen, wo man wohnt.",
    popularityScore: 89,
    icebreakers: ["Hallo! Wie heißt du?"],
    main: ["Woher kommst du?", "Wo wohnst du jetzt?", "Hast du Geschwister?"],
    followUps: ["Welche Sprachen sprichst du?", "Magst du deine Stadt? Warum?"],
  },
  "restaurant.ordering": {
    name: "Im Restaurant bestellen",
    description: "Essen und Getränke bestellen und nach der Rechnung fragen.",
    popularityScore: 87,
    icebreakers: ["Hast du Hunger? Was möchtest du essen?"],
    main: [
      "Was bestellst du oft im Restaurant?",
      "Magst du lieber Pizza, Nudeln oder Salat?",
      "Rollenspiel: Eine Person ist Kellner, die andere ist Gast. Bestell ein Getränk und ein Hauptgericht.",
    ],
    followUps: ["Wie fragst du nach der Rechnung?", "Was ist dein Lieblingsrestaurant? Warum?"],
  },
  "hobbies.free_time": {
    name: "Freizeit",
    description: "Erzählen, was man nach der Arbeit oder der Schule gern macht.",
    popularityScore: 79,
    icebreakers: ["Was machst du am Sonntag?"],
    main: ["Machst du gern Sport? Welchen Sport?", "Liest du gern Bücher? Welche Bücher?", "Was machst du am Abend?"],
    followUps: ["Spielst du ein Instrument?", "Mit wem verbringst du deine Freizeit?"],
  },
  "travel.airport": {
    name: "Am Flughafen",
    description: "Einchecken, durch die Sicherheitskontrolle gehen und das richtige Gate finden.",
    popularityScore: 74,
    icebreakers: ["Wann bist du zum letzten Mal geflogen? Wohin?"],
    main: [
      "Rollenspiel: Du bist am Check-in-Schalter. Frag nach einem Fensterplatz und sag, wie viele Koffer du hast.",
      "Was hast du immer in deinem Handgepäck?",
      "Dein Flug hat Verspätung. Was machst du, während du wartest?",
    ],
    followUps: [
      "Fliegst du lieber, oder fährst du lieber mit dem Zug? Warum?",
      "Hast du schon einmal deinen Koffer verloren? Was ist passiert?",
    ],
  },
  "daily_life.shopping": {
    name: "Einkaufen",
    description: "Kleidung kaufen, Preise vergleichen und über die eigenen Einkaufsgewohnheiten sprechen.",
    popularityScore: 68,
    icebreakers: ["Was hast du letzte Woche gekauft?"],
    main: [
      "Kaufst du lieber im Geschäft oder im Internet ein? Warum?",
      "Rollenspiel: Du möchtest eine Jacke kaufen. Frag die Verkäuferin nach der Größe, der Farbe und dem Preis.",
      "Wo kaufst du deine Lebensmittel? Beschreib das Geschäft.",
    ],
    followUps: [
      "Was war das Teuerste, das du dieses Jahr gekauft hast?",
      "Gehst du gern auf den Markt? Was kann man dort kaufen?",
    ],
  },
  "hobbies.music": {
    name: "Musik",
    description: "Über den eigenen Musikgeschmack, Lieblingskünstler und Konzerte sprechen.",
    popularityScore: 83,
    icebreakers: ["Welche Musik hörst du gern?"],
    main: [
      "Wer ist dein Lieblingssänger oder deine Lieblingsband? Warum magst du sie?",
      "Wann hörst du Musik: bei der Arbeit, im Auto, zu Hause?",
      "Warst du schon einmal auf einem Konzert? Erzähl davon.",
    ],
    followUps: [
      "Kannst du ein Instrument spielen, oder möchtest du eins lernen?",
      "Welches Lied hörst du, wenn du traurig oder fröhlich bist?",
    ],
  },
  "work.job_interview": {
    name: "Das Vorstellungsgespräch",
    description: "Üben, den eigenen Werdegang vorzustellen und auf die Fragen einer Personalerin oder eines Personalers zu antworten.",
    popularityScore: 81,
    icebreakers: ["Was war dein erster Job, und wie hast du ihn bekommen?"],
    main: [
      "Rollenspiel: Eine Person führt das Gespräch. Frag nach der Berufserfahrung und danach, warum die andere Person die Stelle möchte.",
      "Was sind deine größten Stärken und Schwächen bei der Arbeit? Nenn ein Beispiel.",
      "Wie bereitest du dich normalerweise auf ein wichtiges Vorstellungsgespräch vor?",
    ],
    followUps: [
      "Welche Frage würdest du dem Unternehmen am Ende des Gesprächs stellen?",
      "Erzähl von einer schwierigen Situation bei der Arbeit oder in der Schule und wie du damit umgegangen bist.",
    ],
  },
  "culture.traditions": {
    name: "Traditionen und Feste",
    description: "Die Feste des eigenen Landes beschreiben und überlegen, wie sich Traditionen verändern.",
    popularityScore: 65,
    icebreakers: ["Was ist das wichtigste Fest in deinem Land?"],
    main: [
      "Beschreib, wie deine Familie einen besonderen Tag feiert.",
      "Gibt es eine Tradition aus einem anderen Land, die du interessant findest? Warum?",
      "Welche Traditionen pflegen junge Leute in deinem Land noch, und welche verschwinden langsam?",
    ],
    followUps: [
      "Welches Essen ist typisch für dieses Fest?",
      "Wenn du einen neuen Feiertag erfinden könntest, was würde man da feiern?",
    ],
  },
  "travel.holidays": {
    name: "Urlaub und Reisen",
    description: "Von vergangenen Reisen erzählen und die nächsten planen.",
    popularityScore: 77,
    icebreakers: ["Wo warst du in deinem letzten Urlaub?"],
    main: [
      "Planst du auf Reisen lieber alles im Voraus, oder improvisierst du? Warum?",
      "Beschreib die schönste Reise, die du je gemacht hast.",
      "Wie sähe dein Traumurlaub aus?",
    ],
    followUps: [
      "Hattest du schon einmal ein Problem auf einer Reise? Wie hast du es gelöst?",
      "Würdest du lieber allein oder mit Freunden reisen?",
    ],
  },
  "work.remote_work": {
    name: "Homeoffice",
    description: "Die Vor- und Nachteile des Arbeitens von zu Hause abwägen.",
    popularityScore: 64,
    icebreakers: ["Hast du schon einmal von zu Hause aus gearbeitet oder studiert? Wie war das?"],
    main: [
      "Welche Vor- und Nachteile hat das Homeoffice für Beschäftigte und für Unternehmen?",
      "Wie verändert das Homeoffice deiner Meinung nach die Städte und unsere Art zu leben?",
      "Manche Führungskräfte sagen, dass das Homeoffice dem Teamgeist schadet. Stimmst du zu?",
    ],
    followUps: [
      "Was würde dich überzeugen, wieder jeden Tag ins Büro zu gehen?",
      "Wie trennst du Berufliches und Privates, wenn dein Büro zu Hause ist?",
    ],
  },
  "culture.cinema": {
    name: "Kino und Serien",
    description: "Sich über Filme und Serien austauschen und darüber, wie wir sie heute schauen.",
    popularityScore: 70,
    icebreakers: ["Welchen Film oder welche Serie hast du zuletzt gesehen, und würdest du ihn oder sie empfehlen?"],
    main: [
      "Haben Streamingdienste das Kinoerlebnis zerstört?",
      "Sollte man Filme im Original mit Untertiteln schauen? Warum oder warum nicht?",
      "Erzähl von einem Film, der deine Sicht auf etwas verändert hat.",
    ],
    followUps: [
      "Warum sind Remakes und Fortsetzungen deiner Meinung nach so beliebt?",
      "Wenn du einen Film drehen könntest, welche Geschichte würdest du erzählen?",
    ],
  },
  "work.leadership": {
    name: "Führung und Management",
    description: "Diskutieren, was eine gute Führungskraft ausmacht und wie schwierige Entscheidungen getroffen werden sollten.",
    popularityScore: 54,
    icebreakers: ["Denk an die beste Führungskraft, die du je hattest. Was hat sie von anderen abgehoben?"],
    main: [
      "Lässt sich Führung erlernen, oder ist sie vor allem eine Frage der Persönlichkeit?",
      "Wie sollte eine Führungskraft mit einer Entscheidung umgehen, die unbeliebt, aber notwendig ist?",
      "Inwieweit sollten Beschäftigte in strategische Entscheidungen einbezogen werden?",
    ],
    followUps: [
      "Wie unterscheiden sich Führungsstile in den Kulturen, die du kennst?",
      "Welche Risiken birgt es, wenn eine Führungskraft um jeden Preis beliebt sein will?",
    ],
  },
  "culture.media": {
    name: "Nachrichten und Medien",
    description: "Untersuchen, wie wir uns informieren und welche Rolle die Medien in der öffentlichen Debatte spielen.",
    popularityScore: 57,
    icebreakers: ["Woher bekommst du deine Nachrichten, und wie sehr vertraust du diesen Quellen?"],
    main: [
      "Wie haben soziale Medien die Art verändert, wie Nachrichten produziert und konsumiert werden?",
      "Sollte der Staat Desinformation im Netz regulieren, oder gefährdet das die Meinungsfreiheit?",
      "Ist völlig neutraler Journalismus möglich – und überhaupt wünschenswert?",
    ],
    followUps: [
      "Wie prüfst du, ob eine Meldung zuverlässig ist, bevor du sie teilst?",
      "Welche Rolle sollte der öffentlich-rechtliche Rundfunk heute spielen?",
    ],
  },
  "culture.language_identity": {
    name: "Sprache und Identität",
    description: "Den Zusammenhang zwischen Sprache, Denken und kultureller Zugehörigkeit ergründen.",
    popularityScore: 46,
    icebreakers: ["Hast du das Gefühl, ein etwas anderer Mensch zu sein, wenn du eine andere Sprache sprichst?"],
    main: [
      "Inwiefern prägt die Sprache, die wir sprechen, unser Denken?",
      "Was genau geht verloren, wenn eine Minderheitensprache ausstirbt, und wem obliegt es, sie zu bewahren?",
      "Ist die Vorherrschaft des Englischen als globale Verkehrssprache eine Chance oder eine Form kultureller Vereinheitlichung?",
    ],
    followUps: [
      "Kann man eine Sprache je vollständig beherrschen, ohne die Kultur zu verinnerlichen, die sie transportiert?",
      "Inwieweit färbt unser Akzent die Wahrnehmung anderer, und lässt sich das je rechtfertigen?",
    ],
  },
  "hobbies.art": {
    name: "Kunst und Geschmack",
    description: "Darüber streiten, was einem Kunstwerk seinen Wert verleiht und ob sich über Geschmack überhaupt streiten lässt.",
    popularityScore: 40,
    icebreakers: ["Welches Kunstwerk, gleich welcher Art, hat dich am nachhaltigsten beeindruckt, und warum?"],
    main: [
      "Ist der Wert eines Kunstwerks ihm selbst eigen, oder wird er ihm von Kritik, Institutionen und Markt zugeschrieben?",
      "Kann ein Werk, das von künstlicher Intelligenz erzeugt wurde, wirklich kreativ sein?",
      "Sollte man das Werk vom Künstler trennen, wenn dessen Verhalten moralisch verwerflich ist?",
    ],
    followUps: [
      "Gibt es objektiv schlechten Geschmack, oder ist jedes ästhetische Urteil bloß eine Frage der Perspektive?",
      "Vertieft es das Kunstverständnis, eine Kunst als Laie selbst auszuüben, oder verändert es dieses lediglich?",
    ],
  },
});
