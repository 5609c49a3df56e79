import type { Topic } from "../topic.js";
import { buildSeedTopics } from "./localizedSeed.js";

/**
 * Temas de conversación en español (`targetLanguageCode: "es"`), A1–C2
 * (seed 002 §2.1 ConversationTopic, §6.3 prompts; DESIGN §2 `topics/`).
 */
export const ES_TOPICS: Topic[] = buildSeedTopics("es", {
  "daily_life.introductions": {
    name: "Conocer a alguien",
    description: "Saludar, decir tu nombre y hablar de dónde vives.",
    popularityScore: 91,
    icebreakers: ["¡Hola! ¿Cómo te llamas?"],
    main: ["¿De dónde eres?", "¿Dónde vives ahora?", "¿Tienes hermanos?"],
    followUps: ["¿Qué idiomas hablas?", "¿Te gusta tu ciudad? ¿Por qué?"],
  },
  "restaurant.ordering": {
    name: "Pedir en un restaurante",
    description: "Pedir comida y bebida, y pedir la cuenta.",
    popularityScore: 89,
    icebreakers: ["¿Tienes hambre? ¿Qué quieres comer?"],
    main: [
      "¿Qué pides normalmente en un restaurante?",
      "¿Te gusta más la pizza, la pasta o la ensalada?",
      "Juego de rol: una persona es el camarero y la otra es el cliente. Pide una bebida y un plato.",
    ],
    followUps: ["¿Cómo pides la cuenta?", "¿Cuál es tu restaurante favorito? ¿Por qué?"],
  },
  "hobbies.free_time": {
    name: "El tiempo libre",
    description: "Hablar de lo que te gusta hacer después del trabajo o de la escuela.",
    popularityScore: 80,
    icebreakers: ["¿Qué haces los domingos?"],
    main: ["¿Te gusta el deporte? ¿Qué deporte?", "¿Lees libros? ¿Qué libros?", "¿Qué haces por la noche?"],
    followUps: ["¿Tocas algún instrumento?", "¿Con quién pasas tu tiempo libre?"],
  },
  "travel.airport": {
    name: "En el aeropuerto",
    description: "Facturar el equipaje, pasar el control de seguridad y encontrar la puerta de embarque.",
    popularityScore: 77,
    icebreakers: ["¿Cuándo tomaste un avión por última vez? ¿Adónde fuiste?"],
    main: [
      "Juego de rol: estás en el mostrador de facturación. Pide un asiento de ventanilla y di cuántas maletas llevas.",
      "¿Qué llevas siempre en el equipaje de mano?",
      "Tu vuelo tiene retraso. ¿Qué haces mientras esperas?",
    ],
    followUps: [
      "¿Prefieres viajar en avión o en tren? ¿Por qué?",
      "¿Has perdido alguna vez tu maleta? ¿Qué pasó?",
    ],
  },
  "daily_life.shopping": {
    name: "Ir de compras",
    description: "Comprar ropa, comparar precios y hablar de tus costumbres de compra.",
    popularityScore: 72,
    icebreakers: ["¿Qué compraste la semana pasada?"],
    main: [
      "¿Prefieres comprar en tiendas o por internet? ¿Por qué?",
      "Juego de rol: quieres comprar una chaqueta. Pregunta al dependiente por la talla, el color y el precio.",
      "¿Dónde compras la comida? Describe la tienda.",
    ],
    followUps: [
      "¿Qué es lo más caro que has comprado este año?",
      "¿Te gusta ir al mercado? ¿Qué se puede comprar allí?",
    ],
  },
  "hobbies.music": {
    name: "La música",
    description: "Hablar de tus gustos musicales, tus artistas favoritos y los conciertos.",
    popularityScore: 86,
    icebreakers: ["¿Qué tipo de música te gusta?"],
    main: [
      "¿Quién es tu cantante o grupo favorito? ¿Por qué te gusta?",
      "¿Cuándo escuchas música: en el trabajo, en el coche, en casa?",
      "¿Has ido alguna vez a un concierto? Cuéntame cómo fue.",
    ],
    followUps: [
      "¿Sabes tocar algún instrumento o te gustaría aprender uno?",
      "¿Qué canción escuchas cuando estás triste o contento?",
    ],
  },
  "work.job_interview": {
    name: "La entrevista de trabajo",
    description: "Practicar cómo presentar tu trayectoria y responder a las preguntas de un entrevistador.",
    popularityScore: 78,
    icebreakers: ["¿Cuál fue tu primer trabajo y cómo lo conseguiste?"],
    main: [
      "Juego de rol: una persona hace de entrevistador. Pregunta al candidato por su experiencia y por qué quiere el puesto.",
      "¿Cuáles son tus principales puntos fuertes y débiles en el trabajo? Pon un ejemplo.",
      "¿Cómo te preparas normalmente para una entrevista importante?",
    ],
    followUps: [
      "¿Qué pregunta le harías a la empresa al final de una entrevista?",
      "Cuenta una situación difícil en el trabajo o en los estudios y cómo la resolviste.",
    ],
  },
  "culture.traditions": {
    name: "Tradiciones y fiestas",
    description: "Describir las fiestas de tu país y pensar en cómo están cambiando las tradiciones.",
    popularityScore: 70,
    icebreakers: ["¿Cuál es la fiesta más importante de tu país?"],
    main: [
      "Describe cómo celebra tu familia un día especial.",
      "¿Hay alguna tradición de otro país que te parezca interesante? ¿Por qué?",
      "¿Qué tradiciones siguen manteniendo los jóvenes de tu país y cuáles están desapareciendo?",
    ],
    followUps: [
      "¿Qué comida es típica de esa fiesta?",
      "Si pudieras crear una fiesta nueva, ¿qué celebraría?",
    ],
  },
  "travel.holidays": {
    name: "Vacaciones y viajes",
    description: "Contar tus viajes pasados y hacer planes para los próximos.",
    popularityScore: 76,
    icebreakers: ["¿Adónde fuiste en tus últimas vacaciones?"],
    main: [
      "¿Prefieres planificarlo todo o improvisar cuando viajas? ¿Por qué?",
      "Describe el mejor viaje que has hecho en tu vida.",
      "¿Cómo serían tus vacaciones ideales?",
    ],
    followUps: [
      "¿Has tenido algún problema durante un viaje? ¿Cómo lo solucionaste?",
      "¿Preferirías viajar solo o con amigos?",
    ],
  },
  "work.remote_work": {
    name: "El teletrabajo",
    description: "Analizar las ventajas y los inconvenientes de trabajar a distancia.",
    popularityScore: 60,
    icebreakers: ["¿Has trabajado o estudiado alguna vez desde casa? ¿Qué tal te fue?"],
    main: [
      "¿Qué ventajas e inconvenientes tiene el teletrabajo para los empleados y para las empresas?",
      "¿Cómo crees que el teletrabajo está cambiando las ciudades y nuestra forma de vivir?",
      "Algunos directivos dicen que el teletrabajo perjudica el espíritu de equipo. ¿Estás de acuerdo?",
    ],
    followUps: [
      "¿Qué te convencería para volver a la oficina todos los días?",
      "¿Cómo separas la vida laboral de la personal cuando tu oficina está en casa?",
    ],
  },
  "culture.cinema": {
    name: "Cine y series",
    description: "Conversar sobre películas y series, y sobre cómo las vemos hoy en día.",
    popularityScore: 71,
    icebreakers: ["¿Cuál es la última película o serie que has visto? ¿La recomendarías?"],
    main: [
      "¿Crees que las plataformas de streaming han acabado con la experiencia de ir al cine?",
      "¿Hay que ver las películas en versión original con subtítulos? ¿Por qué?",
      "Habla de una película que cambió tu manera de ver algo.",
    ],
    followUps: [
      "¿Por qué crees que los remakes y las secuelas tienen tanto éxito?",
      "Si pudieras dirigir una película, ¿qué historia contarías?",
    ],
  },
  "work.leadership": {
    name: "Liderazgo y gestión",
    description: "Debatir qué hace a un buen líder y cómo deberían tomarse las decisiones difíciles.",
    popularityScore: 51,
    icebreakers: ["Piensa en el mejor jefe que hayas tenido. ¿Qué lo hacía destacar?"],
    main: [
      "¿El liderazgo se aprende o depende sobre todo de la personalidad?",
      "¿Cómo debería afrontar un líder una decisión impopular pero necesaria?",
      "¿Hasta qué punto deberían participar los empleados en las decisiones estratégicas?",
    ],
    followUps: [
      "¿En qué se diferencian los estilos de liderazgo en las culturas que conoces?",
      "¿Qué riesgos corre un líder que se empeña demasiado en caer bien?",
    ],
  },
  "culture.media": {
    name: "La información y los medios",
    description: "Analizar cómo nos informamos y qué papel desempeñan los medios en el debate público.",
    popularityScore: 53,
    icebreakers: ["¿Cómo te informas y hasta qué punto confías en tus fuentes?"],
    main: [
      "¿Cómo han cambiado las redes sociales la forma de producir y consumir noticias?",
      "¿Deberían los gobiernos regular la desinformación en internet, o eso amenazaría la libertad de expresión?",
      "¿Es posible un periodismo totalmente neutral? ¿Es siquiera deseable?",
    ],
    followUps: [
      "¿Cómo compruebas que una noticia es fiable antes de compartirla?",
      "¿Qué papel deberían desempeñar hoy los medios públicos?",
    ],
  },
  "culture.language_identity": {
    name: "Lengua e identidad",
    description: "Explorar la relación entre la lengua que hablamos, el pensamiento y la pertenencia cultural.",
    popularityScore: 45,
    icebreakers: ["¿Sientes que te conviertes en alguien un poco distinto cuando hablas otro idioma?"],
    main: [
      "¿Hasta qué punto la lengua que hablamos moldea nuestra manera de pensar?",
      "Cuando desaparece una lengua minoritaria, ¿qué se pierde exactamente y a quién le corresponde preservarla?",
      "¿Es la hegemonía del inglés como lengua franca mundial una oportunidad o una forma de homogeneización cultural?",
    ],
    followUps: [
      "¿Puede uno llegar a dominar plenamente un idioma sin impregnarse de la cultura que transmite?",
      "¿En qué medida el acento condiciona la forma en que los demás nos perciben, y es eso alguna vez legítimo?",
    ],
  },
  "hobbies.art": {
    name: "El arte y el gusto",
    description: "Debatir qué otorga valor a una obra y si sobre gustos hay algo escrito.",
    popularityScore: 39,
    icebreakers: ["¿Qué obra, del tipo que sea, te ha dejado una huella más duradera, y por qué?"],
    main: [
      "¿El valor de una obra de arte es intrínseco o se lo otorgan la crítica, las instituciones y el mercado?",
      "¿Puede una obra generada por inteligencia artificial ser auténticamente creativa?",
      "¿Hay que separar la obra del artista cuando la conducta de este es moralmente reprobable?",
    ],
    followUps: [
      "¿Existe el mal gusto objetivo, o todo juicio estético no es más que una cuestión de perspectiva?",
      "¿Practicar un arte como aficionado profundiza nuestra apreciación de él o simplemente la transforma?",
    ],
  },
});
