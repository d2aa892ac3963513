"""The reply's own words in the user's language. Quoted article text stays as written."""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "said": "said",
        "narration": "Reported by the article (no named source)",
        "source": "Source",
        "paragraph": "paragraph",
        "disputed": "⚖️ Disputed: claimed by {claimed}, denied by {denied}. Both sides are below.",
        "empty": "Ask me a question about the news articles I know, in a sentence.",
        "too_long": "That message is too long for me. Please ask one question in a sentence "
        "or two (under 1,000 characters).",
        "small_talk": "Hello! I answer questions about news articles and tell you who said what.",
        "not_covered": "The articles I know do not cover that, so I won't guess.",
        "language": "I could not find that in the articles. I understand English best: "
        "try asking in English.",
        "know_about": "What I know about:",
        "and": "and",
        "the_article": "the article itself",
        "sources": "Sources",
        "disputed_what": "⚖️ Disputed: {claimant} says “{claim}”; {denier}: “{denial}”",
    },
    "ru": {
        "said": "говорит",
        "narration": "Сообщает статья (без указания источника)",
        "source": "Источник",
        "paragraph": "абзац",
        "disputed": "⚖️ Спорно: утверждает {claimed}, отрицает {denied}. Ниже обе стороны.",
        "empty": "Задайте вопрос о новостных статьях, которые я знаю.",
        "too_long": "Сообщение слишком длинное. Задайте, пожалуйста, один вопрос "
        "(до 1000 символов).",
        "small_talk": "Здравствуйте! Я отвечаю на вопросы о новостных статьях и говорю, "
        "кто что сказал.",
        "not_covered": "В известных мне статьях об этом ничего нет, поэтому гадать не буду.",
        "language": "Я не нашёл этого в статьях.",
        "know_about": "О чём я знаю:",
        "and": "и",
        "the_article": "сама статья",
        "sources": "Источники",
        "disputed_what": "⚖️ Спорно: {claimant} говорит «{claim}»; {denier}: «{denial}»",
    },
    "uk": {
        "said": "каже",
        "narration": "Повідомляє стаття (без зазначення джерела)",
        "source": "Джерело",
        "paragraph": "абзац",
        "disputed": "⚖️ Спірно: стверджує {claimed}, заперечує {denied}. Нижче обидві сторони.",
        "empty": "Поставте запитання про новинні статті, які я знаю.",
        "too_long": "Повідомлення задовге. Поставте, будь ласка, одне запитання "
        "(до 1000 символів).",
        "small_talk": "Вітаю! Я відповідаю на запитання про новинні статті й кажу, хто що сказав.",
        "not_covered": "У відомих мені статтях про це нічого немає, тож вгадувати не буду.",
        "language": "Я не знайшов цього в статтях.",
        "know_about": "Про що я знаю:",
        "and": "і",
        "the_article": "сама стаття",
        "sources": "Джерела",
        "disputed_what": "⚖️ Спірно: {claimant} каже «{claim}»; {denier}: «{denial}»",
    },
    "de": {
        "said": "sagte",
        "narration": "Laut Artikel (ohne genannte Quelle)",
        "source": "Quelle",
        "paragraph": "Absatz",
        "disputed": "⚖️ Umstritten: behauptet von {claimed}, bestritten von {denied}. "
        "Beide Seiten stehen unten.",
        "empty": "Stellen Sie mir eine Frage zu den Nachrichtenartikeln, die ich kenne.",
        "too_long": "Die Nachricht ist zu lang. Bitte stellen Sie eine Frage "
        "(unter 1.000 Zeichen).",
        "small_talk": "Hallo! Ich beantworte Fragen zu Nachrichtenartikeln und sage, "
        "wer was gesagt hat.",
        "not_covered": "Die Artikel, die ich kenne, behandeln das nicht, also rate ich nicht.",
        "language": "Das habe ich in den Artikeln nicht gefunden.",
        "know_about": "Worüber ich Bescheid weiß:",
        "and": "und",
        "the_article": "der Artikel selbst",
        "sources": "Quellen",
        "disputed_what": "⚖️ Umstritten: {claimant} sagt „{claim}“; {denier}: „{denial}“",
    },
    "es": {
        "said": "dijo",
        "narration": "Según el artículo (sin fuente citada)",
        "source": "Fuente",
        "paragraph": "párrafo",
        "disputed": "⚖️ En disputa: lo afirma {claimed}, lo niega {denied}. "
        "Abajo están ambas partes.",
        "empty": "Hazme una pregunta sobre los artículos de noticias que conozco.",
        "too_long": "El mensaje es demasiado largo. Haz una sola pregunta "
        "(menos de 1.000 caracteres).",
        "small_talk": "¡Hola! Respondo preguntas sobre artículos de noticias y digo "
        "quién dijo qué.",
        "not_covered": "Los artículos que conozco no tratan eso, así que no voy a adivinar.",
        "language": "No encontré eso en los artículos.",
        "know_about": "De qué sé:",
        "and": "y",
        "the_article": "el propio artículo",
        "sources": "Fuentes",
        "disputed_what": "⚖️ En disputa: {claimant} dice «{claim}»; {denier}: «{denial}»",
    },
}


def phrase(key: str, language: str = "en") -> str:
    return PHRASES.get(language, PHRASES["en"]).get(key, PHRASES["en"][key])


# The bot's fixed texts and button labels (Telegram HTML: the only markup is intended tags;
# callers escape what they put into the {placeholders}). Commands stay in English: Telegram
# commands are Latin identifiers whatever the user's language.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "more_sources": "More sources",
        "more_header": "<b>More sources</b> ({span} of {total})",
        "thanks_up": "Thanks for the feedback!",
        "thanks_down": "Thanks, noted: not helpful.",
        "vote_same": "You have already voted {vote} on this answer.",
        "apology": "Sorry, something went wrong on my side. Please try again in a moment.",
        "not_text": "I can only read text. Please type your question about the news articles.",
        "refused": "Sorry, this bot is private: you are not on its list of allowed users.",
        "not_admin": "Sorry, only the bot's admins can reload the index.",
        "ask_usage": "Ask a question after the command, e.g. <code>/ask Who said what?</code>",
        "gone": "I no longer have that question. Please ask it again.",
        "already_shown": "Those sources are already shown above.",
        "no_more": "There are no more sources for this question.",
        "stale_button": "This button no longer works. Please ask again.",
        "new_conversation": "OK, new conversation: earlier questions are forgotten.",
        "rate_limited": "You are asking faster than I can keep up with. Please wait "
        "{seconds} seconds and ask again.",
        "unknown_command": "I don't know {command}. Try /help.",
        "help_intro": "I answer questions about news articles: a short answer taken from the "
        "text, the passage it comes from with <b>the answering sentence in bold</b>, who said "
        "it and in which article.",
        "help_known": "What I know about",
        "help_how": "How to ask",
        "help_how_private": "Just send me a question in a sentence. Follow-up questions work "
        "too, and if you edit a question I correct my answer.",
        "help_how_group": "Mention me (<code>@{bot} your question</code>), reply to one of my "
        "messages, or use <code>/ask your question</code>.",
        "help_buttons": "Under an answer, <b>{more}</b> shows further passages and 👍/👎 tell "
        "my maintainers whether it helped. If the articles do not cover something, I say so "
        "rather than guess.",
        "help_commands": "Commands",
        "no_articles_yet": "No articles are loaded yet.",
        "more_articles": "… and {n} more (/sources)",
        "sources_header": "The articles I know",
        "no_articles": "I have no articles loaded at the moment.",
        "cmd_ask": "Ask a question about the news articles",
        "cmd_sources": "The articles I know, with links",
        "cmd_new": "Start a new conversation",
        "cmd_help": "What I know and how to ask",
        "cmd_start": "Introduction",
        "cmd_reload": "Load a newly built index now",
    },
    "ru": {
        "more_sources": "Ещё источники",
        "more_header": "<b>Ещё источники</b> ({span} из {total})",
        "thanks_up": "Спасибо за отзыв!",
        "thanks_down": "Спасибо, учту: ответ не помог.",
        "vote_same": "Вы уже поставили {vote} этому ответу.",
        "apology": "Извините, у меня что-то пошло не так. Попробуйте ещё раз через минуту.",
        "not_text": "Я читаю только текст. Напишите, пожалуйста, вопрос о новостных статьях.",
        "refused": "Извините, это закрытый бот: вас нет в списке разрешённых пользователей.",
        "not_admin": "Извините, перезагружать индекс могут только администраторы бота.",
        "ask_usage": "Напишите вопрос после команды, например <code>/ask Кто что сказал?</code>",
        "gone": "Этого вопроса у меня больше нет. Задайте его, пожалуйста, ещё раз.",
        "already_shown": "Эти источники уже показаны выше.",
        "no_more": "Других источников по этому вопросу нет.",
        "stale_button": "Эта кнопка больше не работает. Задайте вопрос ещё раз.",
        "new_conversation": "Хорошо, начнём заново: прежние вопросы забыты.",
        "rate_limited": "Вы спрашиваете быстрее, чем я успеваю отвечать. Подождите "
        "{seconds} с и спросите снова.",
        "unknown_command": "Я не знаю команды {command}. Попробуйте /help.",
        "help_intro": "Я отвечаю на вопросы о новостных статьях: короткий ответ из текста, "
        "отрывок, откуда он взят, с <b>отвечающим предложением жирным шрифтом</b>, кто это "
        "сказал и в какой статье.",
        "help_known": "О чём я знаю",
        "help_how": "Как спрашивать",
        "help_how_private": "Просто пришлите вопрос одним предложением. Уточняющие вопросы "
        "тоже работают, а если вы исправите вопрос, я исправлю ответ.",
        "help_how_group": "Упомяните меня (<code>@{bot} ваш вопрос</code>), ответьте на одно "
        "из моих сообщений или напишите <code>/ask ваш вопрос</code>.",
        "help_buttons": "Под ответом кнопка <b>{more}</b> показывает другие отрывки, а 👍/👎 "
        "сообщают разработчикам, помог ли ответ. Если в статьях чего-то нет, я так и скажу, "
        "а не стану гадать.",
        "help_commands": "Команды",
        "no_articles_yet": "Статьи ещё не загружены.",
        "more_articles": "… и ещё {n} (/sources)",
        "sources_header": "Статьи, которые я знаю",
        "no_articles": "Сейчас у меня нет загруженных статей.",
        "cmd_ask": "Задать вопрос о новостных статьях",
        "cmd_sources": "Статьи, которые я знаю, со ссылками",
        "cmd_new": "Начать новый разговор",
        "cmd_help": "Что я знаю и как спрашивать",
        "cmd_start": "Знакомство",
        "cmd_reload": "Загрузить новый индекс сейчас",
    },
    "uk": {
        "more_sources": "Ще джерела",
        "more_header": "<b>Ще джерела</b> ({span} з {total})",
        "thanks_up": "Дякую за відгук!",
        "thanks_down": "Дякую, врахую: відповідь не допомогла.",
        "vote_same": "Ви вже поставили {vote} цій відповіді.",
        "apology": "Вибачте, у мене щось пішло не так. Спробуйте ще раз за хвилину.",
        "not_text": "Я читаю лише текст. Напишіть, будь ласка, запитання про новинні статті.",
        "refused": "Вибачте, це закритий бот: вас немає в списку дозволених користувачів.",
        "not_admin": "Вибачте, перезавантажувати індекс можуть лише адміністратори бота.",
        "ask_usage": "Напишіть запитання після команди, наприклад <code>/ask Хто що сказав?</code>",
        "gone": "Цього запитання в мене вже немає. Поставте його, будь ласка, ще раз.",
        "already_shown": "Ці джерела вже показано вище.",
        "no_more": "Інших джерел для цього запитання немає.",
        "stale_button": "Ця кнопка більше не працює. Поставте запитання ще раз.",
        "new_conversation": "Гаразд, почнімо спочатку: попередні запитання забуто.",
        "rate_limited": "Ви питаєте швидше, ніж я встигаю відповідати. Зачекайте "
        "{seconds} с і спитайте знову.",
        "unknown_command": "Я не знаю команди {command}. Спробуйте /help.",
        "help_intro": "Я відповідаю на запитання про новинні статті: коротка відповідь із "
        "тексту, уривок, звідки вона, з <b>реченням-відповіддю жирним шрифтом</b>, хто це "
        "сказав і в якій статті.",
        "help_known": "Про що я знаю",
        "help_how": "Як питати",
        "help_how_private": "Просто надішліть запитання одним реченням. Уточнювальні "
        "запитання теж працюють, а якщо ви виправите запитання, я виправлю відповідь.",
        "help_how_group": "Згадайте мене (<code>@{bot} ваше запитання</code>), дайте відповідь "
        "на одне з моїх повідомлень або напишіть <code>/ask ваше запитання</code>.",
        "help_buttons": "Під відповіддю кнопка <b>{more}</b> показує інші уривки, а 👍/👎 "
        "повідомляють розробникам, чи допомогла відповідь. Якщо в статтях чогось немає, я так "
        "і скажу, а не вгадуватиму.",
        "help_commands": "Команди",
        "no_articles_yet": "Статті ще не завантажено.",
        "more_articles": "… і ще {n} (/sources)",
        "sources_header": "Статті, які я знаю",
        "no_articles": "Зараз у мене немає завантажених статей.",
        "cmd_ask": "Поставити запитання про новинні статті",
        "cmd_sources": "Статті, які я знаю, з посиланнями",
        "cmd_new": "Почати нову розмову",
        "cmd_help": "Що я знаю і як питати",
        "cmd_start": "Знайомство",
        "cmd_reload": "Завантажити новий індекс зараз",
    },
    "de": {
        "more_sources": "Weitere Quellen",
        "more_header": "<b>Weitere Quellen</b> ({span} von {total})",
        "thanks_up": "Danke für die Rückmeldung!",
        "thanks_down": "Danke, notiert: nicht hilfreich.",
        "vote_same": "Sie haben diese Antwort schon mit {vote} bewertet.",
        "apology": "Entschuldigung, bei mir ist etwas schiefgelaufen. Bitte versuchen Sie es "
        "gleich noch einmal.",
        "not_text": "Ich kann nur Text lesen. Bitte schreiben Sie Ihre Frage zu den "
        "Nachrichtenartikeln.",
        "refused": "Entschuldigung, dieser Bot ist privat: Sie stehen nicht auf der Liste der "
        "zugelassenen Nutzer.",
        "not_admin": "Entschuldigung, nur die Admins des Bots können den Index neu laden.",
        "ask_usage": "Stellen Sie die Frage nach dem Befehl, z. B. "
        "<code>/ask Wer hat was gesagt?</code>",
        "gone": "Diese Frage habe ich nicht mehr. Bitte stellen Sie sie noch einmal.",
        "already_shown": "Diese Quellen stehen schon oben.",
        "no_more": "Zu dieser Frage gibt es keine weiteren Quellen.",
        "stale_button": "Diese Schaltfläche funktioniert nicht mehr. Bitte fragen Sie noch einmal.",
        "new_conversation": "OK, neues Gespräch: frühere Fragen sind vergessen.",
        "rate_limited": "Sie fragen schneller, als ich antworten kann. Bitte warten Sie "
        "{seconds} Sekunden und fragen Sie dann erneut.",
        "unknown_command": "{command} kenne ich nicht. Versuchen Sie /help.",
        "help_intro": "Ich beantworte Fragen zu Nachrichtenartikeln: eine kurze Antwort aus dem "
        "Text, die Passage, aus der sie stammt, mit <b>dem antwortenden Satz fett</b>, wer es "
        "gesagt hat und in welchem Artikel.",
        "help_known": "Worüber ich Bescheid weiß",
        "help_how": "So fragen Sie",
        "help_how_private": "Schicken Sie mir einfach eine Frage in einem Satz. Nachfragen "
        "funktionieren auch, und wenn Sie eine Frage bearbeiten, korrigiere ich die Antwort.",
        "help_how_group": "Erwähnen Sie mich (<code>@{bot} Ihre Frage</code>), antworten Sie "
        "auf eine meiner Nachrichten oder schreiben Sie <code>/ask Ihre Frage</code>.",
        "help_buttons": "Unter einer Antwort zeigt <b>{more}</b> weitere Passagen, und 👍/👎 "
        "sagen meinen Betreuern, ob sie geholfen hat. Wenn die Artikel etwas nicht abdecken, "
        "sage ich das, statt zu raten.",
        "help_commands": "Befehle",
        "no_articles_yet": "Es sind noch keine Artikel geladen.",
        "more_articles": "… und {n} weitere (/sources)",
        "sources_header": "Die Artikel, die ich kenne",
        "no_articles": "Im Moment sind keine Artikel geladen.",
        "cmd_ask": "Eine Frage zu den Nachrichtenartikeln stellen",
        "cmd_sources": "Die Artikel, die ich kenne, mit Links",
        "cmd_new": "Ein neues Gespräch beginnen",
        "cmd_help": "Was ich weiß und wie man fragt",
        "cmd_start": "Einführung",
        "cmd_reload": "Einen neu gebauten Index jetzt laden",
    },
    "es": {
        "more_sources": "Más fuentes",
        "more_header": "<b>Más fuentes</b> ({span} de {total})",
        "thanks_up": "¡Gracias por tu opinión!",
        "thanks_down": "Gracias, anotado: no fue útil.",
        "vote_same": "Ya votaste {vote} a esta respuesta.",
        "apology": "Lo siento, algo falló por mi parte. Inténtalo de nuevo en un momento.",
        "not_text": "Solo puedo leer texto. Escribe tu pregunta sobre los artículos de noticias.",
        "refused": "Lo siento, este bot es privado: no estás en su lista de usuarios permitidos.",
        "not_admin": "Lo siento, solo los administradores del bot pueden recargar el índice.",
        "ask_usage": "Escribe la pregunta después del comando, p. ej. "
        "<code>/ask ¿Quién dijo qué?</code>",
        "gone": "Ya no tengo esa pregunta. Hazla de nuevo, por favor.",
        "already_shown": "Esas fuentes ya están arriba.",
        "no_more": "No hay más fuentes para esta pregunta.",
        "stale_button": "Este botón ya no funciona. Pregunta de nuevo.",
        "new_conversation": "De acuerdo, nueva conversación: olvidé las preguntas anteriores.",
        "rate_limited": "Preguntas más rápido de lo que puedo responder. Espera {seconds} "
        "segundos y vuelve a preguntar.",
        "unknown_command": "No conozco {command}. Prueba /help.",
        "help_intro": "Respondo preguntas sobre artículos de noticias: una respuesta corta "
        "tomada del texto, el pasaje del que sale con <b>la frase que responde en negrita</b>, "
        "quién lo dijo y en qué artículo.",
        "help_known": "De qué sé",
        "help_how": "Cómo preguntar",
        "help_how_private": "Envíame una pregunta en una frase. También funcionan las "
        "preguntas de seguimiento, y si editas una pregunta corrijo mi respuesta.",
        "help_how_group": "Menciónme (<code>@{bot} tu pregunta</code>), responde a uno de mis "
        "mensajes o usa <code>/ask tu pregunta</code>.",
        "help_buttons": "Bajo una respuesta, <b>{more}</b> muestra más pasajes y 👍/👎 les "
        "dicen a mis responsables si sirvió. Si los artículos no tratan algo, lo digo en lugar "
        "de adivinar.",
        "help_commands": "Comandos",
        "no_articles_yet": "Todavía no hay artículos cargados.",
        "more_articles": "… y {n} más (/sources)",
        "sources_header": "Los artículos que conozco",
        "no_articles": "Ahora mismo no tengo artículos cargados.",
        "cmd_ask": "Hacer una pregunta sobre los artículos",
        "cmd_sources": "Los artículos que conozco, con enlaces",
        "cmd_new": "Empezar una conversación nueva",
        "cmd_help": "Qué sé y cómo preguntar",
        "cmd_start": "Presentación",
        "cmd_reload": "Cargar ahora un índice nuevo",
    },
}
LANGUAGES = tuple(TEXTS)  # every language the bot's own words speak; English is the fallback


def language_for(code: str | None) -> str:
    """A Telegram `language_code` ("de", "pt-BR", None) -> a language the bot speaks."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in TEXTS else "en"


def text(key: str, language: str = "en", **values: object) -> str:
    """A fixed text or label in `language` (English where it has none), values filled in."""
    template = TEXTS.get(language, TEXTS["en"]).get(key) or TEXTS["en"][key]
    return template.format(**values) if values else template
