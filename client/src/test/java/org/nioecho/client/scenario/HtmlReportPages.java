package org.nioecho.client.scenario;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reading the report's pages back as XML, for the tests: texts and arrows by class. */
final class HtmlReportPages {
    private HtmlReportPages() {
    }

    /** Parses {@code page} with the JDK's XML parser (namespace-aware, nothing fetched); fails if not well-formed. */
    static Document parse(String page) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(page)));
    }

    /** The text of every element {@code tag} with the class {@code css}, in document order. */
    static List<String> byClass(Document doc, String tag, String css) {
        List<String> texts = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagNameNS("*", tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element element = (Element) nodes.item(i);
            if (hasClass(element, css)) {
                texts.add(element.getTextContent());
            }
        }
        return texts;
    }

    /** The text of every SVG {@code <text>} with the class {@code css}. */
    static List<String> texts(Document doc, String css) {
        return byClass(doc, "text", css);
    }

    /** The lines of the diagram's arrows whose group has the class {@code css} (the legend's are not counted). */
    static List<Element> arrows(Document doc, String css) {
        List<Element> lines = new ArrayList<>();
        NodeList groups = doc.getElementsByTagNameNS("*", "g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element group = (Element) groups.item(i);
            if (hasClass(group, "arrow") && hasClass(group, css) && inDiagram(group)) {
                lines.add((Element) group.getElementsByTagNameNS("*", "line").item(0));
            }
        }
        return lines;
    }

    static double attribute(Element element, String name) {
        return Double.parseDouble(element.getAttribute(name));
    }

    private static boolean inDiagram(Node node) {
        for (Node n = node; n != null; n = n.getParentNode()) {
            if (n instanceof Element e && e.getLocalName().equals("svg") && hasClass(e, "sequence")) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasClass(Element element, String css) {
        return Arrays.asList(element.getAttribute("class").split(" ")).contains(css);
    }
}
