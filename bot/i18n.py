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
    },
}


def phrase(key: str, language: str = "en") -> str:
    return PHRASES.get(language, PHRASES["en"]).get(key, PHRASES["en"][key])
