"""The words of attribution, per language: verbs of saying, role and source nouns, the nouns
that make a phrase an organisation. A general vocabulary of news prose (English, Russian,
German), written from grammar and newsroom usage, not from any article's text."""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _forms(text: str) -> frozenset[str]:
    """'say says said saying | tell ...' -> every form listed."""
    return frozenset(w for group in text.split("|") for w in group.split())


# --- English -----------------------------------------------------------------------------

# Verbs that report what someone said, in every form news prose uses them.
EN_SPEECH = _forms(
    "say says said saying | tell tells told telling | add adds added adding | "
    "stated | claim claims claimed claiming | deny denies denied denying | "
    "write writes wrote writing | warn warns warned warning | note notes noted noting | "
    "argue argues argued arguing | insist insists insisted insisting | ask asks asked | "
    "explain explains explained explaining | acknowledge acknowledges acknowledged | "
    "confirm confirms confirmed confirming | announce announces announced announcing | "
    "reply replies replied replying | respond responds responded | report reports reported | "
    "admit admits admitted admitting | agree agrees agreed | allege alleges alleged | "
    "assert asserts asserted asserting | estimate estimates estimated | "
    "predict predicts predicted | reiterate reiterates reiterated | stress stresses stressed | "
    "emphasise emphasises emphasised emphasize emphasizes emphasized | hint hints hinted | "
    "joke jokes joked | recall recalls recalled | remembered | pledge pledges pledged | "
    "promise promises promised | vow vows vowed | urge urges urged urging | "
    "accuse accuses accused | reject rejects rejected rejecting | dismiss dismisses dismissed | "
    "refute refutes refuted | dispute disputes disputed | criticise criticises criticised "
    "criticize criticizes criticized | condemn condemns condemned | praise praises praised | "
    "welcome welcomes welcomed | defend defends defended defending | describe describes "
    "described | call calls called | cite cites cited | comment comments commented | "
    "chant chants chanted | shout shouts shouted | tweet tweets tweeted | "
    "complain complains complained | concede concedes conceded | reveal reveals revealed | "
    "disclose discloses disclosed | inform informs informed | caution cautions cautioned | "
    "maintain maintains maintained | contend contends contended | counter counters countered | "
    "observe observes observed | wonder wonders wondered | assure assures assured | spoke"
)
# Two-word verbs of saying: "points out", "chimed in", "weighed in".
EN_PHRASAL = {"point": "out", "points": "out", "pointed": "out", "chimed": "in", "weighed": "in"}
# Verbs that report speech only with a quote or a "for"/"as" after them, since they also
# name other acts: "called for talks" / "called it “a smear”", not "called off"; "described as".
EN_NEEDS = {
    "call": "for on",
    "calls": "for on",
    "called": "for on",
    "described": "as",
    "describes": "as",
    "describe": "as",
    "spoke": "of about to before with",
}
# Verbs that are speech with a clause or nothing after them, but not with an object:
# "added that ..." / "..., he added." but "added the third"; "reported on Monday that" but
# "reported $2.53 in earnings".
EN_OBJECT_SHY = words("add adds added report reports reported")
EN_EVIDENTIAL = ("according to", "per")
EN_AUX = words(
    "has have had will would could can may might must should shall did does do also later "
    "earlier then previously again repeatedly long only even still just once further "
    "never not now already yet too"
)
EN_PASSIVE = words("is are was were be been being")
EN_SUBORDINATORS = words("although though while when whenever after before if because since unless")
# Words after which a verb's subject starts: "... in what Hale called", "a hinge that X says".
EN_CLAUSE_OPENERS = EN_SUBORDINATORS | words("that what which who whom whose as and but so yet or")
EN_PRONOUNS = {"he": ("m", "sg"), "she": ("f", "sg"), "they": (None, "pl"), "it": ("n", "sg")}
EN_HONORIFICS = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "dr": None, "prof": None}
# Title abbreviations and the role noun each stands for ("the governor" is "Gov. X").
EN_TITLE_ABBREVIATIONS = {
    "gov": "governor",
    "sen": "senator",
    "rep": "representative",
    "gen": "general",
    "lt": "lieutenant",
    "col": "colonel",
    "maj": "major",
    "capt": "captain",
    "sgt": "sergeant",
    "adm": "admiral",
    "cmdr": "commander",
    "supt": "superintendent",
    "insp": "inspector",
    "det": "detective",
    "rev": "reverend",
    "pres": "president",
    "amb": "ambassador",
}
# Role nouns: the jobs and positions news prose names its sources by.
EN_ROLES = words(
    "president vice prime minister secretary chancellor premier governor mayor senator "
    "representative congressman congresswoman lawmaker legislator councillor councilor "
    "councilman councilwoman alderman speaker chairman chairwoman chair chairperson "
    "commissioner director manager chief head leader founder co-founder owner partner "
    "executive ceo cfo coo cto president-elect principal superintendent dean provost "
    "rector chancellor professor lecturer researcher scientist scholar fellow author "
    "co-author editor reporter journalist correspondent columnist critic commentator "
    "analyst economist strategist consultant adviser advisor aide official officer agent "
    "spokesman spokeswoman spokesperson representative delegate envoy ambassador diplomat "
    "consul attorney lawyer barrister solicitor prosecutor judge justice magistrate juror "
    "counsel defender investigator detective inspector sheriff constable policeman "
    "trooper commander general admiral colonel major captain lieutenant sergeant soldier "
    "doctor physician surgeon nurse paramedic pediatrician paediatrician psychiatrist "
    "psychologist pharmacist dentist veterinarian epidemiologist virologist ecologist "
    "biologist geologist meteorologist forecaster engineer architect planner technician "
    "teacher educator student pupil graduate coach trainer player striker midfielder "
    "defender goalkeeper keeper forward winger referee umpire athlete runner swimmer "
    "cyclist driver rider jockey captain skipper singer songwriter guitarist bassist "
    "drummer pianist musician composer producer conductor actor actress artist painter "
    "dancer host presenter anchor comedian director filmmaker photographer designer "
    "curator librarian historian archivist activist campaigner organizer organiser "
    "volunteer steward worker employee staffer member resident citizen neighbour neighbor "
    "homeowner tenant landlord farmer grower fisherman miner builder contractor "
    "developer entrepreneur businessman businesswoman banker investor trader broker "
    "accountant auditor treasurer controller economist shareholder customer passenger "
    "patient victim survivor witness mother father parent wife husband son daughter "
    "sister brother widow student priest pastor bishop imam rabbi monk nun cardinal pope "
    "king queen prince princess monarch regent deputy negotiator mediator inspector "
    "coordinator administrator supervisor commissioner registrar ombudsman regulator "
    "observer expert specialist insider deportee commenter settler protester demonstrator "
    "voter fan supporter opponent bystander onlooker consumer shopper"
)
EN_ROLE_SUFFIXES = ("ologist", "ographer", "ician", "ist")
EN_NOT_ROLE_IST = words(
    "list mist fist twist wrist exist assist insist resist persist consist gist"
)
# Nouns of unnamed sources that stay unnamed ("a senior official said"): a role noun in
# the plural also does ("analysts say", "teachers chanted").
EN_SOURCES = words(
    "official spokesperson spokesman spokeswoman source diplomat analyst expert aide "
    "lawmaker adviser advisor officer investigator prosecutor witness resident person "
    "insider executive researcher critic member commenter observer people authorities "
    "police attorney lawyer representative negotiator economist scientist doctor"
)
# Documents as sources ("according to court records"): a name beats them in one sentence.
EN_DOCUMENTS = words(
    "statement report study survey data figures records documents document filing filings "
    "release letter poll estimate estimates analysis census research paper memo transcript "
    "minutes ruling"
)
# Nouns that make a phrase an organisation ("Russia's foreign ministry", "Lumen Labs").
EN_ORGS = words(
    "council ministry department agency group house office party army forces federation "
    "union unions commission committee court police bank company corporation corp inc co "
    "ltd llc plc institute university college school hospital clinic embassy government "
    "parliament senate congress assembly authority service board organization organisation "
    "association trust foundation charity club team league network station channel "
    "newspaper magazine press times post journal news radio television tv band label firm "
    "utility regulator administration cabinet bureau center centre society fund exchange "
    "airline airport railway labs lab laboratory brands group holdings industries systems "
    "securities partners capital media records studios studio city county province state "
    "states nations district municipality directorate secretariat coalition alliance "
    "movement campaign network office legislature management staff prosecutors "
    "cooperative co-operative co-op coop consortium guild syndicate chamber tribunal inquiry "
    "watchdog navy guard museum library theatre theater orchestra academy institution "
    "church diocese airlines pharmaceuticals technologies motors foods energy"
)
# Organisation nouns that refer back to a named one ("the company said" after "Acme Corp").
EN_GENERIC_ORGS = words(
    "company firm group band label utility ministry department agency university council "
    "county city team club government union charity office commission authority board "
    "organization organisation association institute hospital court service management "
    "operator carrier retailer airline maker manufacturer producer publisher broadcaster "
    "studio network school college party regulator"
)
# Possessive pronouns a role can open with, dropped from it: its owner is not named there
# ("Its secretary, Tom Hegarty," is "Tom Hegarty, secretary", not "..., Its secretary").
ROLE_POSSESSIVES = words("its his her their our")
EN_DETERMINERS = words("a an the one two three four several some many other another both each")
EN_TIME = words(
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tonight "
    "week month year morning evening afternoon night weekend january february march april "
    "may june july august september october november december"
)
# Words that open sentences or name days, never names.
EN_STOP = (
    EN_DETERMINERS
    | EN_TIME
    | words(
        "this that these those it he she they we i you his her its their our my your there "
        "here but and or so yet if when while as in on at by for from with after before since "
        "last next then however still also meanwhile later earlier now asked under despite "
        "although though even instead indeed thus yes no not nor what who why how where which"
    )
)
EN_MALE = words(
    "mr spokesman chairman businessman congressman councilman father son husband "
    "brother actor king prince boy man uncle grandfather nephew"
)
EN_FEMALE = words(
    "mrs ms miss spokeswoman chairwoman businesswoman congresswoman councilwoman "
    "mother daughter wife sister actress queen princess girl woman aunt "
    "grandmother niece widow"
)

# --- Russian -----------------------------------------------------------------------------

# Stems of verbs of saying; the ending tells gender and number (заявил/заявила/заявили).
RU_SPEECH_STEMS = (
    "заяви",
    "заявля",
    "сказа",
    "сообщи",
    "сообща",
    "добави",
    "добавля",
    "отмети",
    "отмеча",
    "подчеркну",
    "подчеркива",
    "поясни",
    "поясня",
    "рассказа",
    "рассказыва",
    "пообеща",
    "обеща",
    "призна",
    "уточни",
    "уточня",
    "ответи",
    "отвеча",
    "предупреди",
    "предупрежда",
    "завери",
    "заверя",
    "напомни",
    "напомина",
    "написа",
    "пише",
    "объясни",
    "объясня",
    "говори",
    "утвержда",
    "опроверг",
    "отрица",
    "считае",
    "считаю",
    "счита",
    "призва",
    "призыва",
    "возрази",
    "раскритикова",
    "критикова",
    "анонсирова",
    "объяви",
    "объявля",
    "назва",
    "называ",
)
RU_NEEDS_QUOTE = ("назва", "называ")  # "назвал эти слова «неправдой»", not "назвал сына"
RU_EVIDENTIAL = (
    "по словам",
    "по данным",
    "по мнению",
    "по информации",
    "по сведениям",
    "по оценке",
    "по оценкам",
    "как сообщил",
    "как сообщила",
    "как сообщили",
    "как заявил",
    "как заявила",
    "как заявили",
)
RU_IMPERSONAL = (
    "говорится в",
    "сообщили в",
    "сообщается в",
    "заявили в",
    "отметили в",
    "рассказали в",
    "пояснили в",
    "уточнили в",
)
RU_PRONOUNS = {
    "он": ("m", "sg"),
    "она": ("f", "sg"),
    "они": (None, "pl"),
    "его": ("m", "sg"),
    "её": ("f", "sg"),
    "ее": ("f", "sg"),
    "их": (None, "pl"),
}
RU_STOP = words(
    "и а но в во на с со к по о об от до из у за для при что как это его её ее их он она "
    "они мы вы я также ещё еще уже вместе тем кроме того однако пока если когда"
)
RU_ORGS = words(
    "министерство министерства ведомство администрация мэрия правительство компания "
    "холдинг агрохолдинг пресс-служба дума суд прокуратура полиция банк завод фонд "
    "организация служба управление департамент комитет комиссия совет партия союз "
    "агентство корпорация концерн группа университет институт больница штаб"
)
RU_GENERIC_ORGS = words("компания холдинг агрохолдинг концерн корпорация группа фирма")
RU_ROLES = words(
    "глава мэр губернатор министр депутат представитель аналитик директор президент "
    "председатель житель жительница эксперт сотрудник руководитель спикер пресс-секретарь "
    "заместитель замминистра генеральный врач учитель тренер капитан игрок судья "
    "прокурор адвокат следователь начальник командир сенатор премьер-министр вице-премьер "
    "официальный источник экономист учёный ученый профессор исследователь автор основатель "
    "владелец менеджер инженер пресс-служба"
)
# Times that stand between a Russian verb and its inverted subject ("заявил во вторник X").
RU_TIME = words(
    "понедельник вторник среду четверг пятницу субботу воскресенье вчера сегодня накануне "
    "утром днём днем вечером ночью"
)
RU_ADVERBS = words(
    "также тоже ещё еще уже вновь снова ранее позднее позже впоследствии "
    "накануне затем потом журналистам"
)

# --- German ------------------------------------------------------------------------------

DE_SPEECH = _forms(
    "sagte sagten sagt sagen | erklärte erklärten erklärt | betonte betonten betont | "
    "meinte meinten meint | berichtete berichteten berichtet | warnte warnten warnt | "
    "forderte forderten fordert | bestätigte bestätigten bestätigt | kritisierte "
    "kritisierten kritisiert | schrieb schrieben schreibt | antwortete antworteten antwortet | "
    "sprach sprachen spricht | versicherte versicherten versichert | behauptete behauptet | "
    "bestritt bestritten bestreitet | verwies | ergänzte ergänzten ergänzt | "
    "kündigte kündigten kündigt | teilte teilten teilt | wies wiesen weist | "
    "räumte räumten räumt | fügte fügten fügt | lehnte lehnten lehnt"
)
# Separable verbs: the particle ends the clause ("Vogel wies das zurück").
DE_PARTICLE = {
    "kündigte": "an",
    "kündigten": "an",
    "kündigt": "an",
    "teilte": "mit",
    "teilten": "mit",
    "teilt": "mit",
    "wies": "zurück",
    "wiesen": "zurück",
    "weist": "zurück",
    "räumte": "ein",
    "räumten": "ein",
    "räumt": "ein",
    "fügte": "hinzu",
    "fügten": "hinzu",
    "fügt": "hinzu",
    "lehnte": "ab",
    "lehnten": "ab",
    "lehnt": "ab",
}
DE_EVIDENTIAL = ("laut", "nach angaben", "zufolge", "so")
DE_PRONOUNS = {"er": ("m", "sg"), "sie": ("f", None), "es": ("n", "sg")}
# Konjunktiv I forms that carry reported speech on into the next sentence.
DE_SUBJUNCTIVE = words(
    "sei seien habe werde könne müsse solle wolle dürfe gebe rechne liege komme gehe "
    "stehe bleibe wisse plane koste fehle brauche erwarte halte sehe"
)
DE_DETERMINERS = words(
    "der die das den dem des ein eine einer einem einen eines ihr ihre "
    "ihren sein seine seinen unser unsere"
)
DE_ROLES = words(
    "sprecher sprecherin bürgermeister bürgermeisterin oberbürgermeister "
    "oberbürgermeisterin minister ministerin stadtrat stadträtin anwohner anwohnerin "
    "präsident präsidentin vorsitzender vorsitzende chef chefin direktor direktorin "
    "geschäftsführer geschäftsführerin leiter leiterin experte expertin analyst analystin "
    "abgeordneter abgeordnete kanzler kanzlerin trainer trainerin kapitän richter "
    "richterin anwalt anwältin staatsanwalt staatsanwältin professor professorin"
)
DE_ORGS = words(
    "stadt stadtverwaltung verwaltung ministerium regierung behörde polizei "
    "verkehrsbetriebe bürgerinitiative gemeinde rat stadtrat verband unternehmen konzern "
    "gericht partei landkreis kreis bundesregierung landesregierung stadtwerke"
)
DE_STOP = DE_DETERMINERS | words(
    "und aber oder auch noch schon nicht wie was wer wenn weil dass als so mit von für auf "
    "aus bei nach vor am im in an zu zum zur er sie es wir ich man"
)
