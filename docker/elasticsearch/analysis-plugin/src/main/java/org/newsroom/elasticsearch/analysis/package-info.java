/**
 * The language analyzers and token filters of Elasticsearch's analysis-common module that
 * Newsroom uses, registered through the stable plugin API on the same Lucene classes, for the
 * development and test node (whose Maven Central distribution lacks analysis-common).
 */
package org.newsroom.elasticsearch.analysis;
