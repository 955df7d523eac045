package org.newsroom.elasticsearch.analysis;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.fr.FrenchLightStemFilter;
import org.apache.lucene.analysis.fr.FrenchMinimalStemFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;
import org.elasticsearch.plugin.settings.AnalysisSettings;
import org.elasticsearch.plugin.settings.StringSetting;
import org.tartarus.snowball.ext.EnglishStemmer;
import org.tartarus.snowball.ext.FrenchStemmer;

/**
 * The {@code stemmer} token filter for the English and French {@code language} values that
 * Elasticsearch's own stemmer accepts, mapped to the same Lucene stemmers. Any other language
 * is refused when the index is created, with the list of supported ones.
 */
@NamedComponent("stemmer")
public class StemmerFilterFactory implements TokenFilterFactory {

    @AnalysisSettings
    public interface Settings {
        @StringSetting(path = "language", defaultValue = "english")
        String language();
    }

    private static final Map<String, UnaryOperator<TokenStream>> STEMMERS = new TreeMap<>(Map.of(
        "english", PorterStemFilter::new,
        "porter", PorterStemFilter::new,
        "porter2", stream -> new SnowballFilter(stream, new EnglishStemmer()),
        "light_english", KStemFilter::new,
        "minimal_english", EnglishMinimalStemFilter::new,
        "possessive_english", EnglishPossessiveFilter::new,
        "french", stream -> new SnowballFilter(stream, new FrenchStemmer()),
        "light_french", FrenchLightStemFilter::new,
        "minimal_french", FrenchMinimalStemFilter::new
    ));

    private final UnaryOperator<TokenStream> stemmer;

    @Inject
    public StemmerFilterFactory(Settings settings) {
        this.stemmer = STEMMERS.get(settings.language());
        if (stemmer == null) {
            throw new IllegalArgumentException(
                "stemmer language [" + settings.language() + "] is not supported by the "
                    + "newsroom-analysis dev plugin; supported: " + STEMMERS.keySet()
            );
        }
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return stemmer.apply(tokenStream);
    }
}
