/**
 * Kazakh Cyrillic <-> the 2021 Kazakh Latin alphabet (31 letters: A Ä B D E F G Ğ H I İ J K L M N Ñ O Ö P Q R S Ş
 * T U Ū Ü V Y Z; `I ı` is Cyrillic І, `İ i` is Cyrillic И and Й, `Y y` is Ы, `U u` is У, `Ū ū` is Ұ, `Ü ü` is Ү).
 *
 * Choices for letters the alphabet has no letter for (they occur in Russian loanwords):
 * Ё -> İo, Ц -> Ts, Ч -> Ch, Щ -> Şş, Э -> E, Ю -> İu, Я -> İa, Ъ and Ь are dropped; Һ and Х both give H.
 * The reverse direction is letter by letter and therefore lossy: H -> Х, İ i -> Й after a vowel and И elsewhere,
 * digraphs are not recombined (Latin "ts" in native words such as "ketse" must stay т+с).
 */

const cyrToLatLower: ReadonlyArray<readonly [string, string]> = [
  ["а", "a"], ["ә", "ä"], ["б", "b"], ["в", "v"], ["г", "g"], ["ғ", "ğ"], ["д", "d"], ["е", "e"], ["ё", "io"],
  ["ж", "j"], ["з", "z"], ["и", "i"], ["й", "i"], ["к", "k"], ["қ", "q"], ["л", "l"], ["м", "m"], ["н", "n"],
  ["ң", "ñ"], ["о", "o"], ["ө", "ö"], ["п", "p"], ["р", "r"], ["с", "s"], ["т", "t"], ["у", "u"], ["ұ", "ū"],
  ["ү", "ü"], ["ф", "f"], ["х", "h"], ["һ", "h"], ["ц", "ts"], ["ч", "ch"], ["ш", "ş"], ["щ", "şş"], ["ъ", ""],
  ["ы", "y"], ["і", "ı"], ["ь", ""], ["э", "e"], ["ю", "iu"], ["я", "ia"]
]

// Turkic capitals: Latin i -> İ, ı -> I; for multi-letter outputs only the first letter is capitalised (Ч -> Ch).
const upperLatin = (latin: string): string => {
  if (latin === "") return ""
  const head = latin[0] === "i" ? "İ" : latin[0] === "ı" ? "I" : (latin[0] ?? "").toUpperCase()
  return head + latin.slice(1)
}

const cyrToLat: ReadonlyMap<string, string> = new Map(
  cyrToLatLower.flatMap(([cyr, lat]) => [[cyr, lat], [cyr.toUpperCase(), upperLatin(lat)]] as const)
)

const latToCyrLower: ReadonlyArray<readonly [string, string]> = [
  ["a", "а"], ["ä", "ә"], ["b", "б"], ["d", "д"], ["e", "е"], ["f", "ф"], ["g", "г"], ["ğ", "ғ"], ["h", "х"],
  ["ı", "і"], ["i", "и"], ["j", "ж"], ["k", "к"], ["l", "л"], ["m", "м"], ["n", "н"], ["ñ", "ң"], ["o", "о"],
  ["ö", "ө"], ["p", "п"], ["q", "қ"], ["r", "р"], ["s", "с"], ["ş", "ш"], ["t", "т"], ["u", "у"], ["ū", "ұ"],
  ["ü", "ү"], ["v", "в"], ["y", "ы"], ["z", "з"]
]

const latToCyr: ReadonlyMap<string, string> = new Map(
  latToCyrLower.flatMap(([lat, cyr]) => [[lat, cyr], [upperLatin(lat), cyr.toUpperCase()]] as const)
)

const latinVowels = new Set("aäeıioöuūüyAÄEIİOÖUŪÜY")

const isUpper = (ch: string | undefined) => ch !== undefined && ch !== ch.toLowerCase()

/**
 * Cyrillic Kazakh to 2021 Latin; characters outside the table pass through. Expects NFC input.
 * A capital that becomes two Latin letters is written in full capitals inside an all-caps word (ЧАЙ -> CHAİ).
 */
export const kazakhCyrillicToLatin = (text: string): string => {
  const chars = [...text]
  let out = ""
  chars.forEach((ch, i) => {
    const latin = cyrToLat.get(ch)
    if (latin === undefined) out += ch
    else if (latin.length > 1 && isUpper(ch) && (isUpper(chars[i + 1]) || (!/\p{L}/u.test(chars[i + 1] ?? "") && isUpper(chars[i - 1])))) {
      out += upperLatin(latin[0] ?? "") + latin.slice(1).toUpperCase()
    } else out += latin
  })
  return out
}

/** 2021 Latin Kazakh to Cyrillic; characters outside the table pass through. Expects NFC input. */
export const kazakhLatinToCyrillic = (text: string): string => {
  let out = ""
  let previous = ""
  for (const ch of text) {
    if ((ch === "i" || ch === "İ") && latinVowels.has(previous)) out += ch === "i" ? "й" : "Й"
    else out += latToCyr.get(ch) ?? ch
    previous = ch
  }
  return out
}
