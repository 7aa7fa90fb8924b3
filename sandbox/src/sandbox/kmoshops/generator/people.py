"""Names, streets and towns per country, and how each country writes an address."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Locale:
    firstnames: tuple[str, ...]
    lastnames: tuple[str, ...]
    streets: tuple[str, ...]
    towns: tuple[tuple[str, str], ...]
    phone: str
    number_first: bool = False
    company_suffix: tuple[str, ...] = ("",)
    box: str = ""


def _t(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


def _towns(text: str) -> tuple[tuple[str, str], ...]:
    pairs = (item.split("/", 1) for item in text.split("|"))
    return tuple((zipcode, city) for zipcode, city in pairs)


LOCALES: dict[str, Locale] = {
    "BE": Locale(
        _t("Sophie|Lucas|Emma|Arthur|Louise|Noah|Marie|Wout|Lotte|Jef|Amélie|Mathéo"),
        _t("Peeters|Janssens|Maes|Jacobs|Mertens|Willems|Claes|Goossens|Dubois|Lambert"),
        _t("Kerkstraat|Stationsstraat|Molenstraat|Rue de la Station|Dorpsstraat|Kouter"),
        _towns("2000/Antwerpen|9000/Gent|3000/Leuven|1000/Brussel|4000/Liège|8000/Brugge"),
        "+32",
        company_suffix=(" BV", " NV", " VOF", " SRL"),
        box="bus",
    ),
    "NL": Locale(
        _t("Daan|Sanne|Bram|Fleur|Ruben|Lieke|Thijs|Anouk|Sem|Julia"),
        _t("de Jong|Jansen|de Vries|van den Berg|Bakker|Visser|Smit|Meijer|de Boer"),
        _t("Hoofdstraat|Dorpsstraat|Kerkweg|Molenweg|Schoolstraat|Julianalaan"),
        _towns("1012 AB/Amsterdam|3511 LX/Utrecht|2511 CV/Den Haag|5611 AZ/Eindhoven"),
        "+31",
        company_suffix=(" B.V.", " V.O.F.", ""),
    ),
    "DE": Locale(
        _t("Sophie|Lukas|Hannah|Jonas|Lena|Felix|Marie|Maximilian|Jürgen|Anna"),
        _t("Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Hoffmann"),
        _t("Hauptstraße|Bahnhofstraße|Gartenstraße|Schulstraße|Lindenweg|Dorfstraße"),
        _towns("10115/Berlin|80331/München|50667/Köln|20095/Hamburg|60311/Frankfurt am Main"),
        "+49",
        company_suffix=(" GmbH", " GmbH & Co. KG", " AG"),
    ),
    "FR": Locale(
        _t("Camille|Louis|Léa|Hugo|Chloé|Jules|Manon|Théo|Élodie|François"),
        _t("Martin|Bernard|Dubois|Thomas|Robert|Richard|Petit|Durand|Leroy|Moreau"),
        _t("rue de la Paix|avenue Jean Jaurès|rue Victor Hugo|boulevard Voltaire"),
        _towns("75002/Paris|69001/Lyon|13001/Marseille|59000/Lille|33000/Bordeaux"),
        "+33",
        number_first=True,
        company_suffix=(" SARL", " SAS", " SA"),
    ),
    "LU": Locale(
        _t("Luc|Mia|Ben|Lara|Tom|Emma"),
        _t("Schmit|Muller|Weber|Wagner|Hoffmann|Thill"),
        _t("rue de Luxembourg|Grand-Rue|route d'Arlon|rue Principale"),
        _towns("L-1111/Luxembourg|L-4001/Esch-sur-Alzette|L-9010/Ettelbruck"),
        "+352",
        number_first=True,
        company_suffix=(" S.à r.l.", " S.A."),
    ),
    "AT": Locale(
        _t("Lukas|Anna|Tobias|Katharina|Florian|Sarah"),
        _t("Gruber|Huber|Bauer|Wagner|Pichler|Steiner"),
        _t("Hauptplatz|Kirchengasse|Bahnhofstraße|Mariahilfer Straße"),
        _towns("1010/Wien|8010/Graz|4020/Linz|5020/Salzburg|6020/Innsbruck"),
        "+43",
        company_suffix=(" GmbH", " KG"),
    ),
    "IT": Locale(
        _t("Giulia|Marco|Sofia|Luca|Chiara|Matteo"),
        _t("Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo"),
        _t("Via Roma|Via Garibaldi|Corso Italia|Via Dante"),
        _towns("00184/Roma|20121/Milano|50122/Firenze|10121/Torino|80133/Napoli"),
        "+39",
        company_suffix=(" S.r.l.", " S.p.A."),
    ),
    "ES": Locale(
        _t("Lucía|Hugo|Martina|Pablo|Sofía|Álvaro"),
        _t("García|Fernández|González|Rodríguez|López|Martínez"),
        _t("Calle Mayor|Calle de Alcalá|Avenida de la Constitución|Gran Vía"),
        _towns("28013/Madrid|08001/Barcelona|41001/Sevilla|46001/Valencia"),
        "+34",
        company_suffix=(" S.L.", " S.A."),
    ),
    "PT": Locale(
        _t("João|Maria|Tiago|Beatriz|Rodrigo|Inês"),
        _t("Silva|Santos|Ferreira|Pereira|Oliveira|Costa"),
        _t("Rua Augusta|Avenida da Liberdade|Rua de Santa Catarina"),
        _towns("1100-053/Lisboa|4000-069/Porto|3000-150/Coimbra"),
        "+351",
        company_suffix=(", Lda.", ", S.A."),
    ),
    "IE": Locale(
        _t("Aoife|Seán|Niamh|Conor|Siobhán|Darragh"),
        _t("Murphy|Kelly|O'Sullivan|Walsh|O'Brien|Byrne"),
        _t("Main Street|Church Road|Patrick Street|Grafton Street"),
        _towns("D02 X285/Dublin|T12 R5CP/Cork|H91 E2K3/Galway"),
        "+353",
        number_first=True,
        company_suffix=(" Ltd", " DAC"),
    ),
    "DK": Locale(
        _t("Freja|William|Ida|Oliver|Emma|Magnus"),
        _t("Nielsen|Jensen|Hansen|Pedersen|Andersen|Larsen"),
        _t("Vestergade|Nørregade|Strandvejen|Østerbrogade"),
        _towns("1050/København K|8000/Aarhus C|5000/Odense C"),
        "+45",
        company_suffix=(" ApS", " A/S"),
    ),
    "SE": Locale(
        _t("Alice|Elias|Maja|Lucas|Ebba|Oskar"),
        _t("Andersson|Johansson|Karlsson|Nilsson|Eriksson|Larsson"),
        _t("Storgatan|Drottninggatan|Kungsgatan|Skolgatan"),
        _towns("111 52/Stockholm|411 03/Göteborg|211 20/Malmö"),
        "+46",
        company_suffix=(" AB",),
    ),
    "FI": Locale(
        _t("Aino|Eetu|Helmi|Onni|Venla|Väinö"),
        _t("Korhonen|Virtanen|Mäkinen|Nieminen|Mäkelä|Hämäläinen"),
        _t("Mannerheimintie|Hämeenkatu|Aleksanterinkatu|Kauppakatu"),
        _towns("00100/Helsinki|33100/Tampere|20100/Turku"),
        "+358",
        company_suffix=(" Oy", " Oyj"),
    ),
    "PL": Locale(
        _t("Zofia|Jakub|Julia|Szymon|Maja|Łukasz"),
        _t("Nowak|Kowalski|Wiśniewska|Wójcik|Kowalczyk|Zieliński"),
        _t("ul. Marszałkowska|ul. Długa|ul. Piotrkowska|ul. Floriańska"),
        _towns("00-001/Warszawa|30-001/Kraków|90-001/Łódź|80-001/Gdańsk"),
        "+48",
        company_suffix=(" sp. z o.o.", " S.A."),
    ),
    "CZ": Locale(
        _t("Tereza|Jakub|Eliška|Tomáš|Anna|Jan"),
        _t("Novák|Svoboda|Novotná|Dvořák|Černý|Procházka"),
        _t("Národní|Vodičkova|Masarykova|Husova"),
        _towns("110 00/Praha|602 00/Brno|301 00/Plzeň"),
        "+420",
        company_suffix=(" s.r.o.",),
    ),
    "US": Locale(
        _t("Emily|James|Olivia|Michael|Ava|Ethan"),
        _t("Smith|Johnson|Williams|Brown|Jones|Miller"),
        _t("Fifth Avenue|Main Street|Oak Street|Sunset Boulevard"),
        _towns("10001/New York, NY|94103/San Francisco, CA|60601/Chicago, IL"),
        "+1",
        number_first=True,
        company_suffix=(" Inc.", " LLC"),
    ),
    "CH": Locale(
        _t("Noah|Mia|Luca|Lea|Leon|Elena"),
        _t("Müller|Meier|Schmid|Keller|Weber|Huber"),
        _t("Bahnhofstrasse|Dorfstrasse|Rue du Rhône|Via Nassa"),
        _towns("8001/Zürich|1204/Genève|3011/Bern|6900/Lugano"),
        "+41",
        company_suffix=(" AG", " GmbH", " SA"),
    ),
    "GB": Locale(
        _t("Oliver|Amelia|George|Isla|Harry|Ava"),
        _t("Smith|Jones|Taylor|Brown|Williams|Wilson"),
        _t("High Street|Station Road|Church Lane|Victoria Road"),
        _towns("SW1A 1AA/London|M1 1AE/Manchester|EH1 1YZ/Edinburgh"),
        "+44",
        number_first=True,
        company_suffix=(" Ltd",),
    ),
    "NO": Locale(
        _t("Nora|Jakob|Emma|Filip|Sofie|Henrik"),
        _t("Hansen|Johansen|Olsen|Larsen|Andersen|Pedersen"),
        _t("Karl Johans gate|Storgata|Bryggen|Kirkegata"),
        _towns("0154/Oslo|5003/Bergen|7010/Trondheim"),
        "+47",
        company_suffix=(" AS",),
    ),
    "CA": Locale(
        _t("Liam|Charlotte|Benjamin|Chloé|Noah|Emma"),
        _t("Tremblay|Smith|Roy|Gagnon|Wilson|Martin"),
        _t("Yonge Street|Rue Sainte-Catherine|Granville Street"),
        _towns("M5H 2N2/Toronto, ON|H3B 1A7/Montréal, QC|V6B 1A1/Vancouver, BC"),
        "+1",
        number_first=True,
        company_suffix=(" Inc.", " Ltd."),
    ),
    "JP": Locale(
        _t("Haruto|Yui|Sota|Hina|Ren|Aoi"),
        _t("Sato|Suzuki|Takahashi|Tanaka|Watanabe|Ito"),
        _t("Ginza|Shibuya|Umeda|Sakae"),
        _towns("104-0061/Tokyo|530-0001/Osaka|460-0008/Nagoya"),
        "+81",
        company_suffix=(" K.K.",),
    ),
}

EU_CONSUMER_COUNTRIES = tuple(c for c in LOCALES if c not in {"US", "CH", "GB", "NO", "CA", "JP"})
INTERNATIONAL_COUNTRIES = ("US", "CH", "GB", "NO", "CA", "JP")
